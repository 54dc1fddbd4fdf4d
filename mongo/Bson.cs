using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace LiveDash.Mongo;

/// <summary>Strict BSON decoding and encoding (bsonspec.org 1.1) for the types LiveDash uses.</summary>
public static class Bson
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static BsonDocument Decode(ReadOnlySpan<byte> bytes)
    {
        var pos = 0;
        if (bytes.Length < 5) throw new BsonFormatException($"a BSON document needs at least 5 bytes, got {bytes.Length}");
        var document = (BsonDocument)ReadDocument(bytes, ref pos, bytes.Length, isArray: false);
        if (pos != bytes.Length) throw new BsonFormatException($"{bytes.Length - pos} bytes after the end of the document");
        return document;
    }

    public static byte[] Encode(BsonDocument document)
    {
        using var buffer = new BsonBuffer();
        buffer.WriteDocument(document);
        return buffer.WrittenSpan.ToArray();
    }

    static object ReadDocument(ReadOnlySpan<byte> bytes, ref int pos, int limit, bool isArray)
    {
        var start = pos;
        if (limit - pos < 5) throw new BsonFormatException($"document at offset {start} is truncated");
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[pos..]);
        if (length < 5) throw new BsonFormatException($"document at offset {start} declares length {length}, the minimum is 5");
        if (length > limit - pos) throw new BsonFormatException($"document at offset {start} declares length {length} but only {limit - pos} bytes are available");
        var end = pos + length;
        pos += 4;
        var document = isArray ? null : new BsonDocument();
        var array = isArray ? new BsonArray() : null;
        while (true)
        {
            if (pos >= end) throw new BsonFormatException($"document at offset {start} has no terminating 0x00");
            var type = bytes[pos++];
            if (type == 0)
            {
                if (pos != end) throw new BsonFormatException($"document at offset {start} ends at {pos}, before its declared length {length}");
                return isArray ? array! : document!;
            }
            var name = ReadCString(bytes, ref pos, end, "field name");
            var value = ReadValue(bytes, ref pos, end, type, name);
            if (isArray) array!.Add(value); else document!.Add(name, value);
        }
    }

    static object? ReadValue(ReadOnlySpan<byte> bytes, ref int pos, int end, byte type, string name)
    {
        switch ((BsonType)type)
        {
            case BsonType.Double: return BinaryPrimitives.ReadDoubleLittleEndian(Take(bytes, ref pos, end, 8, name));
            case BsonType.String: return ReadString(bytes, ref pos, end, name);
            case BsonType.Document: return ReadDocument(bytes, ref pos, end, isArray: false);
            case BsonType.Array: return ReadDocument(bytes, ref pos, end, isArray: true);
            case BsonType.Binary:
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(Take(bytes, ref pos, end, 4, name));
                if (length < 0) throw new BsonFormatException($"binary '{name}' has negative length {length}");
                var subtype = Take(bytes, ref pos, end, 1, name)[0];
                var data = Take(bytes, ref pos, end, length, name);
                // The deprecated subtype 2 repeats the length inside the payload; the two must agree.
                if (subtype == 2 && (length < 4 || BinaryPrimitives.ReadInt32LittleEndian(data) != length - 4))
                    throw new BsonFormatException($"binary '{name}' of subtype 2 has an inner length that does not match {length - 4}");
                return new BsonBinary(subtype, data.ToArray());
            }
            case BsonType.ObjectId: return ObjectId.FromBytes(Take(bytes, ref pos, end, 12, name));
            case BsonType.Boolean:
                return Take(bytes, ref pos, end, 1, name)[0] switch
                {
                    0 => false,
                    1 => true,
                    var b => throw new BsonFormatException($"boolean '{name}' has byte 0x{b:X2}; only 0x00 and 0x01 are valid"),
                };
            case BsonType.DateTime: return new BsonDateTime(BinaryPrimitives.ReadInt64LittleEndian(Take(bytes, ref pos, end, 8, name)));
            case BsonType.Null: return null;
            case BsonType.Regex: return new BsonRegex(ReadCString(bytes, ref pos, end, "regex pattern"), ReadCString(bytes, ref pos, end, "regex options"));
            case BsonType.Int32: return BinaryPrimitives.ReadInt32LittleEndian(Take(bytes, ref pos, end, 4, name));
            case BsonType.Timestamp:
            {
                var raw = BinaryPrimitives.ReadUInt64LittleEndian(Take(bytes, ref pos, end, 8, name));
                return new BsonTimestamp((uint)(raw >> 32), (uint)raw);
            }
            case BsonType.Int64: return BinaryPrimitives.ReadInt64LittleEndian(Take(bytes, ref pos, end, 8, name));
            case BsonType.Decimal128: return Decimal128.FromBytes(Take(bytes, ref pos, end, 16, name));
            case BsonType.MinKey: return BsonMinKey.Value;
            case BsonType.MaxKey: return BsonMaxKey.Value;
            default:
                throw new BsonFormatException(UnsupportedTypes.FirstOrDefault(u => u.Type == type) is { } unsupported
                    ? $"field '{name}' has BSON type 0x{type:X2} ({unsupported.Reason}), which LiveDash does not support"
                    : $"field '{name}' has invalid BSON type 0x{type:X2}");
        }
    }

    /// <summary>
    /// Valid BSON types this codec deliberately leaves out, with the Extended JSON key that marks them:
    /// all deprecated or server-side code, none used by the store. The one list tests and errors use.
    /// </summary>
    public static readonly IReadOnlyList<UnsupportedBsonType> UnsupportedTypes =
    [
        new(0x06, "$undefined", "undefined: deprecated"),
        new(0x0C, "$dbPointer", "DBPointer: deprecated"),
        new(0x0D, "$code", "JavaScript code: server-side code, not data"),
        new(0x0E, "$symbol", "symbol: deprecated"),
        new(0x0F, "$scope", "JavaScript code with scope: deprecated server-side code"),
    ];

    static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> bytes, ref int pos, int end, int count, string name)
    {
        if (count > end - pos) throw new BsonFormatException($"value of '{name}' is truncated: needs {count} bytes, {end - pos} left in its document");
        var slice = bytes.Slice(pos, count);
        pos += count;
        return slice;
    }

    static string ReadString(ReadOnlySpan<byte> bytes, ref int pos, int end, string name)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(Take(bytes, ref pos, end, 4, name));
        if (length < 1) throw new BsonFormatException($"string '{name}' declares length {length}; the minimum is 1 (the terminator)");
        var data = Take(bytes, ref pos, end, length, name);
        if (data[^1] != 0) throw new BsonFormatException($"string '{name}' is not terminated by 0x00");
        return Utf8(data[..^1], $"string '{name}'");
    }

    static string ReadCString(ReadOnlySpan<byte> bytes, ref int pos, int end, string what)
    {
        var length = bytes[pos..end].IndexOf((byte)0);
        if (length < 0) throw new BsonFormatException($"{what} at offset {pos} has no terminating 0x00");
        var value = Utf8(bytes.Slice(pos, length), what);
        pos += length + 1;
        return value;
    }

    static string Utf8(ReadOnlySpan<byte> data, string what)
    {
        try { return StrictUtf8.GetString(data); }
        catch (DecoderFallbackException) { throw new BsonFormatException($"{what} is not valid UTF-8"); }
    }
}

public sealed record UnsupportedBsonType(byte Type, string ExtendedJsonKey, string Reason);

/// <summary>A growable write buffer rented from <see cref="ArrayPool{T}"/>, with BSON writers.</summary>
sealed class BsonBuffer(int initialCapacity = 256) : IDisposable
{
    static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    byte[] _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length { get; private set; }
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);
    public byte[] RawBuffer => _buffer;

    public void Clear() => Length = 0;

    Span<byte> Reserve(int count)
    {
        if (Length + count > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + count));
            _buffer.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }

    public void WriteByte(byte value) => Reserve(1)[0] = value;
    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);
    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));
    public void PatchInt32(int offset, int value) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(offset), value);

    public void WriteCString(string value)
    {
        var count = StrictUtf8.GetByteCount(value);
        var span = Reserve(count + 1);
        StrictUtf8.GetBytes(value, span);
        if (span[..count].Contains((byte)0)) throw new BsonFormatException($"'{value.Replace("\0", "\\0")}' contains a NUL character, which a BSON name or regex cannot hold");
        span[count] = 0;
    }

    void WriteString(string value)
    {
        var count = StrictUtf8.GetByteCount(value);
        WriteInt32(count + 1);
        StrictUtf8.GetBytes(value, Reserve(count));
        WriteByte(0);
    }

    public void WriteDocument(BsonDocument document)
    {
        var start = Length;
        WriteInt32(0);
        foreach (var (name, value) in document) WriteElement(name, value);
        WriteByte(0);
        PatchInt32(start, Length - start);
    }

    void WriteArray(IEnumerable<object?> items)
    {
        var start = Length;
        WriteInt32(0);
        var index = 0;
        foreach (var item in items) WriteElement(index++.ToString(System.Globalization.CultureInfo.InvariantCulture), item);
        WriteByte(0);
        PatchInt32(start, Length - start);
    }

    void WriteElement(string name, object? value)
    {
        var typeAt = Length;
        WriteByte(0);
        WriteCString(name);
        // Not folded into one statement: WriteValue may swap _buffer for a bigger one.
        var type = WriteValue(value, name);
        _buffer[typeAt] = (byte)type;
    }

    BsonType WriteValue(object? value, string name)
    {
        switch (value)
        {
            case null: return BsonType.Null;
            case double d: BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), d); return BsonType.Double;
            case string s: WriteString(s); return BsonType.String;
            case BsonDocument doc: WriteDocument(doc); return BsonType.Document;
            case BsonArray array: WriteArray(array); return BsonType.Array;
            case BsonBinary bin: WriteInt32(bin.Data.Length); WriteByte(bin.Subtype); WriteBytes(bin.Data); return BsonType.Binary;
            case ObjectId oid: oid.WriteTo(Reserve(12)); return BsonType.ObjectId;
            case bool b: WriteByte(b ? (byte)1 : (byte)0); return BsonType.Boolean;
            case BsonDateTime dt: WriteInt64(dt.Millis); return BsonType.DateTime;
            case DateTime dt: WriteInt64(BsonDateTime.From(dt).Millis); return BsonType.DateTime;
            case BsonRegex regex: WriteCString(regex.Pattern); WriteCString(regex.Options); return BsonType.Regex;
            case int i: WriteInt32(i); return BsonType.Int32;
            case BsonTimestamp ts: BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), ts.Value); return BsonType.Timestamp;
            case long l: WriteInt64(l); return BsonType.Int64;
            case Decimal128 d128: d128.WriteTo(Reserve(16)); return BsonType.Decimal128;
            case decimal m: Decimal128.FromDecimal(m).WriteTo(Reserve(16)); return BsonType.Decimal128;
            case BsonMinKey: return BsonType.MinKey;
            case BsonMaxKey: return BsonType.MaxKey;
            case IEnumerable<object?> items: WriteArray(items); return BsonType.Array;
            default: throw new BsonFormatException($"field '{name}': {value.GetType().Name} has no BSON encoding here");
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
