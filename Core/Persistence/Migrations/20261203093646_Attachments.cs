using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// Uploaded files (<c>attachments</c>, tenant-owned under forced RLS, keys within the tenant: ADR 0011), each tenant's
    /// accepted types (<c>tenants.attachment_types</c>, null for the defaults), and the guard the message write uses to link
    /// attachments in its own statement: it raises (SQLSTATE OC409) when fewer were linked than asked, i.e. another message
    /// took one first, so the message is not written either (ADR 0028).
    /// </summary>
    public partial class Attachments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<List<string>>(
                name: "attachment_types",
                table: "tenants",
                type: "text[]",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "attachments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    conversation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    uploader = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    content_type = table.Column<string>(type: "character varying(127)", maxLength: 127, nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    storage_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_attachments", x => x.id);
                    table.CheckConstraint("ck_attachments_uploader", "uploader IN ('visitor', 'agent')");
                    table.ForeignKey(
                        name: "fk_attachments_conversations_tenant_id_conversation_id",
                        columns: x => new { x.tenant_id, x.conversation_id },
                        principalTable: "conversations",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_attachments_tenant_id_conversation_id",
                table: "attachments",
                columns: new[] { "tenant_id", "conversation_id" });

            migrationBuilder.CreateIndex(
                name: "ix_attachments_tenant_id_message_id",
                table: "attachments",
                columns: new[] { "tenant_id", "message_id" },
                filter: "message_id IS NOT NULL");

            migrationBuilder.EnableTenantIsolation("attachments");
            migrationBuilder.Sql("""
                CREATE FUNCTION attachments_all_linked(expected integer, linked bigint) RETURNS boolean
                LANGUAGE plpgsql SET search_path = public, pg_temp
                AS $$
                BEGIN
                  IF linked IS DISTINCT FROM expected THEN
                    RAISE EXCEPTION 'an attachment is already on another message' USING ERRCODE = 'OC409';
                  END IF;
                  RETURN true;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS attachments_all_linked(integer, bigint);");
            migrationBuilder.DisableTenantIsolation("attachments");
            migrationBuilder.DropTable(
                name: "attachments");

            migrationBuilder.DropColumn(
                name: "attachment_types",
                table: "tenants");
        }
    }
}
