using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// redact_personal_data(jsonb): a JSON document without the personal fields a customer's erasure removes (ADR 0033),
    /// at any depth: a string <c>text</c> becomes empty, a string <c>name</c> becomes <c>erased</c>, <c>attachments</c>
    /// and <c>metadata</c> become null. Event payloads, webhook bodies, Telegram delivery payloads and audit details all
    /// name these fields so, wherever they nest them.
    /// </summary>
    public partial class CustomerErasure : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION redact_personal_data(doc jsonb) RETURNS jsonb
                LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
                BEGIN
                    RETURN CASE jsonb_typeof(doc)
                        WHEN 'object' THEN (
                            SELECT coalesce(jsonb_object_agg(key, CASE
                                WHEN key = 'text' AND jsonb_typeof(value) = 'string' THEN to_jsonb(''::text)
                                WHEN key = 'name' AND jsonb_typeof(value) = 'string' THEN to_jsonb('erased'::text)
                                WHEN key IN ('attachments', 'metadata') THEN 'null'::jsonb
                                ELSE redact_personal_data(value) END), '{}'::jsonb)
                            FROM jsonb_each(doc))
                        WHEN 'array' THEN (
                            SELECT coalesce(jsonb_agg(redact_personal_data(value) ORDER BY position), '[]'::jsonb)
                            FROM jsonb_array_elements(doc) WITH ORDINALITY AS e(value, position))
                        ELSE doc
                    END;
                END
                $fn$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS redact_personal_data(jsonb);");
        }
    }
}
