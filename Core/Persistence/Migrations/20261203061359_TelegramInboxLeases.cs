using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OmniChat.Core.Persistence.Migrations
{
    /// <summary>
    /// The Workers' Telegram inbox leases stored updates (lease id and expiry, the next attempt after a failure, and when
    /// an update was given up on), and a message edited in Telegram records when (<c>messages.edited_at</c>). Both tables
    /// already have their tenant isolation policies.
    /// </summary>
    public partial class TelegramInboxLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "edited_at",
                table: "messages",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "failed_at",
                table: "inbound_updates",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "lease_id",
                table: "inbound_updates",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "leased_until",
                table: "inbound_updates",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_attempt_at",
                table: "inbound_updates",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "edited_at",
                table: "messages");

            migrationBuilder.DropColumn(
                name: "failed_at",
                table: "inbound_updates");

            migrationBuilder.DropColumn(
                name: "lease_id",
                table: "inbound_updates");

            migrationBuilder.DropColumn(
                name: "leased_until",
                table: "inbound_updates");

            migrationBuilder.DropColumn(
                name: "next_attempt_at",
                table: "inbound_updates");
        }
    }
}
