using Npgsql;
using NpgsqlTypes;

namespace OmniChat.Core.Persistence;

/// <summary>Typed parameters for hand-written SQL (positional <c>$n</c>); a null value becomes a typed SQL NULL.</summary>
public static class SqlParameters
{
    public static NpgsqlParameter Uuid(Guid? value) => Typed(NpgsqlDbType.Uuid, value);

    public static NpgsqlParameter Uuids(IReadOnlyCollection<Guid> values) => Typed(NpgsqlDbType.Array | NpgsqlDbType.Uuid, values.ToArray());

    public static NpgsqlParameter Texts(IReadOnlyCollection<string> values) => Typed(NpgsqlDbType.Array | NpgsqlDbType.Text, values.ToArray());

    public static NpgsqlParameter Bigints(IReadOnlyCollection<long> values) => Typed(NpgsqlDbType.Array | NpgsqlDbType.Bigint, values.ToArray());

    public static NpgsqlParameter Jsonbs(IReadOnlyCollection<string> values) => Typed(NpgsqlDbType.Array | NpgsqlDbType.Jsonb, values.ToArray());

    /// <summary>An integer: a count or a limit.</summary>
    public static NpgsqlParameter Count(int value) => Typed(NpgsqlDbType.Integer, value);

    public static NpgsqlParameter Text(string? value) => Typed(NpgsqlDbType.Text, value);

    public static NpgsqlParameter Jsonb(string? value) => Typed(NpgsqlDbType.Jsonb, value);

    public static NpgsqlParameter Time(DateTimeOffset value) => Typed(NpgsqlDbType.TimestampTz, value);

    private static NpgsqlParameter Typed(NpgsqlDbType type, object? value) => new() { NpgsqlDbType = type, Value = value ?? DBNull.Value };
}
