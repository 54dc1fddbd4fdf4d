using System.Buffers.Binary;
using System.Collections;
using System.Security.Cryptography;

namespace LiveDash.Mongo;

/// <summary>Thrown when bytes are not valid BSON (or a value cannot be encoded as BSON).</summary>
public sealed class BsonFormatException(string message) : FormatException(message);

enum BsonType : byte
{
    Double = 0x01, String = 0x02, Document = 0x03, Array = 0x04, Binary = 0x05, ObjectId = 0x07, Boolean = 0x08,
    DateTime = 0x09, Null = 0x0A, Regex = 0x0B, Int32 = 0x10, Timestamp = 0x11, Int64 = 0x12, Decimal128 = 0x13,
    MinKey = 0xFF, MaxKey = 0x7F,
}

public readonly record struct BsonElement(string Name, object? Value);

/// <summary>
/// An ordered BSON document. Values are CLR objects: double, string, BsonDocument, BsonArray, BsonBinary,
/// ObjectId, bool, BsonDateTime, null, int, long, Decimal128, BsonTimestamp, BsonRegex, BsonMinKey, BsonMaxKey.
/// </summary>
public sealed class BsonDocument : IEnumerable<BsonElement>, IEquatable<BsonDocument>
{
    readonly List<BsonElement> _elements = [];

    public int Count => _elements.Count;
    public IReadOnlyList<BsonElement> Elements => _elements;

    /// <summary>Appends (collection-initializer friendly: <c>new BsonDocument { { "find", "users" } }</c>).</summary>
    public void Add(string name, object? value) => _elements.Add(new(name, value));

    public BsonDocument Set(string name, object? value)
    {
        var i = _elements.FindIndex(e => e.Name == name);
        if (i >= 0) _elements[i] = new(name, value); else _elements.Add(new(name, value));
        return this;
    }

    public bool TryGetValue(string name, out object? value)
    {
        foreach (var e in _elements)
            if (e.Name == name) { value = e.Value; return true; }
        value = null;
        return false;
    }

    public bool Contains(string name) => TryGetValue(name, out _);

    public object? this[string name] => TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"BSON document has no field '{name}'");

    public T Get<T>(string name) => this[name] is T t ? t
        : throw new BsonFormatException($"field '{name}' is {BsonValues.Describe(this[name])}, expected {typeof(T).Name}");

    public IEnumerator<BsonElement> GetEnumerator() => _elements.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(BsonDocument? other) =>
        other is not null && other.Count == Count
        && _elements.Zip(other._elements).All(p => p.First.Name == p.Second.Name && BsonValues.AreEqual(p.First.Value, p.Second.Value));

    public override bool Equals(object? obj) => Equals(obj as BsonDocument);
    public override int GetHashCode() => Count;
    public override string ToString() => "{ " + string.Join(", ", _elements.Select(e => $"{e.Name}: {BsonValues.Describe(e.Value)}")) + " }";
}

public sealed class BsonArray : List<object?>, IEquatable<BsonArray>
{
    public BsonArray() { }
    public BsonArray(IEnumerable<object?> items) : base(items) { }

    public bool Equals(BsonArray? other) => other is not null && other.Count == Count && this.Zip(other).All(p => BsonValues.AreEqual(p.First, p.Second));
    public override bool Equals(object? obj) => Equals(obj as BsonArray);
    public override int GetHashCode() => Count;
}

public sealed record BsonBinary(byte Subtype, byte[] Data)
{
    public bool Equals(BsonBinary? other) => other is not null && other.Subtype == Subtype && other.Data.AsSpan().SequenceEqual(Data);
    public override int GetHashCode() => HashCode.Combine(Subtype, Data.Length);
}

public readonly record struct BsonDateTime(long Millis)
{
    public DateTime ToDateTime() => DateTime.UnixEpoch.AddMilliseconds(Millis);
    public static BsonDateTime From(DateTime value) =>
        new((long)Math.Floor((value.ToUniversalTime() - DateTime.UnixEpoch).TotalMilliseconds));
}

/// <summary>BSON timestamp: on the wire a uint64 whose high half is seconds and low half the increment.</summary>
public readonly record struct BsonTimestamp(uint Seconds, uint Increment)
{
    public ulong Value => ((ulong)Seconds << 32) | Increment;
}

public sealed record BsonRegex(string Pattern, string Options);

public sealed class BsonMinKey
{
    public static readonly BsonMinKey Value = new();
    BsonMinKey() { }
}

public sealed class BsonMaxKey
{
    public static readonly BsonMaxKey Value = new();
    BsonMaxKey() { }
}

/// <summary>ObjectId per specs/objectid.md: 4-byte big-endian seconds, 5 random bytes per process, 3-byte big-endian counter.</summary>
public readonly record struct ObjectId(uint Timestamp, ulong Tail)
{
    static readonly byte[] ProcessRandom = RandomNumberGenerator.GetBytes(5);
    static int _counter = RandomNumberGenerator.GetInt32(0x1000000);

    public static ObjectId NewId()
    {
        Span<byte> bytes = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        ProcessRandom.CopyTo(bytes[4..]);
        var counter = Interlocked.Increment(ref _counter) & 0xFFFFFF;
        bytes[9] = (byte)(counter >> 16);
        bytes[10] = (byte)(counter >> 8);
        bytes[11] = (byte)counter;
        return FromBytes(bytes);
    }

    public static ObjectId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 12) throw new BsonFormatException($"an ObjectId has 12 bytes, got {bytes.Length}");
        return new(BinaryPrimitives.ReadUInt32BigEndian(bytes), ((ulong)BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]) << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]));
    }

    public static ObjectId Parse(string hex) => FromBytes(Convert.FromHexString(hex));

    public void WriteTo(Span<byte> bytes)
    {
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[4..], (uint)(Tail >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(bytes[8..], (uint)Tail);
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[12];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}

/// <summary>Equality and a readable description of any value the codec produces, for comparisons and error messages.</summary>
public static class BsonValues
{
    public static bool AreEqual(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y) || (double.IsNaN(x) && double.IsNaN(y)),
        (BsonDocument x, BsonDocument y) => x.Equals(y),
        (BsonArray x, BsonArray y) => x.Equals(y),
        _ => a is not null && a.GetType() == b?.GetType() && a.Equals(b),
    };

    public static string Describe(object? value) => value switch
    {
        null => "null",
        string s => '"' + s + '"',
        BsonDocument d => d.ToString(),
        BsonArray a => "[" + string.Join(", ", a.Select(Describe)) + "]",
        _ => $"{value} ({value.GetType().Name})",
    };
}
