using System.Buffers.Binary;
using System.Numerics;

namespace LiveDash.Mongo;

/// <summary>A kind 1 section: documents sent beside the command body (e.g. <c>insert</c>'s "documents").</summary>
public sealed record DocumentSequence(string Identifier, IReadOnlyList<BsonDocument> Documents);

/// <summary>OP_MSG framing (specs/OP_MSG.md): header, flagBits, sections of kind 0 and 1, optional CRC-32C.</summary>
static class OpMsg
{
    public const int OpCode = 2013;
    public const int HeaderLength = 16;
    public const uint ChecksumPresent = 1;
    public const uint MoreToCome = 2;
    public const uint ExhaustAllowed = 1 << 16;

    static int _lastRequestId;

    public static int NextRequestId() => Interlocked.Increment(ref _lastRequestId) & int.MaxValue;

    /// <summary>Writes a whole request message into <paramref name="buffer"/> (cleared first).</summary>
    public static void WriteRequest(BsonBuffer buffer, int requestId, BsonDocument body, DocumentSequence? sequence = null, bool withChecksum = false)
    {
        buffer.Clear();
        buffer.WriteInt32(0);
        buffer.WriteInt32(requestId);
        buffer.WriteInt32(0);
        buffer.WriteInt32(OpCode);
        buffer.WriteUInt32(withChecksum ? ChecksumPresent : 0);
        buffer.WriteByte(0);
        buffer.WriteDocument(body);
        if (sequence is not null)
        {
            buffer.WriteByte(1);
            var start = buffer.Length;
            buffer.WriteInt32(0);
            buffer.WriteCString(sequence.Identifier);
            foreach (var doc in sequence.Documents) buffer.WriteDocument(doc);
            buffer.PatchInt32(start, buffer.Length - start);
        }
        if (withChecksum) buffer.WriteInt32(0);
        buffer.PatchInt32(0, buffer.Length);
        if (withChecksum) buffer.PatchInt32(buffer.Length - 4, (int)Crc32C(buffer.WrittenSpan[..^4]));
    }

    /// <summary>Reads the message length from a header and checks the header belongs to our request.</summary>
    public static int ReadHeader(ReadOnlySpan<byte> header, int expectedResponseTo, int maxMessageSize)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        var responseTo = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        var opCode = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (opCode != OpCode)
            throw new MongoProtocolException($"the server replied with opCode {opCode}; LiveDash speaks only OP_MSG ({OpCode}) and negotiates no compression");
        if (length < HeaderLength + 4 + 1 + 5 || length > maxMessageSize)
            throw new MongoProtocolException($"the server's reply declares {length} bytes, outside 26..{maxMessageSize}");
        if (responseTo != expectedResponseTo)
            throw new MongoProtocolException($"the server's reply answers request {responseTo}, but request {expectedResponseTo} was sent");
        return length;
    }

    /// <summary>Parses a whole reply message (header included); kind 1 sections become arrays in the body.</summary>
    public static BsonDocument ParseReply(ReadOnlySpan<byte> message)
    {
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(message[HeaderLength..]);
        // Bits 0-15 are "required": an unknown one set means we cannot understand the message.
        if ((flags & 0xFFFF & ~(ChecksumPresent | MoreToCome)) != 0)
            throw new MongoProtocolException($"the server's OP_MSG sets unknown required flag bits 0x{flags & 0xFFFF:X4}");
        if ((flags & MoreToCome) != 0)
            throw new MongoProtocolException("the server's OP_MSG sets moreToCome (an exhaust stream), which LiveDash never asks for and does not support");
        var end = message.Length;
        if ((flags & ChecksumPresent) != 0)
        {
            end -= 4;
            var expected = BinaryPrimitives.ReadUInt32LittleEndian(message[end..]);
            var actual = Crc32C(message[..end]);
            if (expected != actual) throw new MongoProtocolException($"the server's OP_MSG checksum is 0x{expected:X8} but the bytes give 0x{actual:X8}");
        }

        BsonDocument? body = null;
        List<(string, BsonArray)> sequences = [];
        var pos = HeaderLength + 4;
        try
        {
            while (pos < end)
            {
                var kind = message[pos++];
                if (end - pos < 4) throw new MongoProtocolException("the server's OP_MSG section is truncated");
                var size = BinaryPrimitives.ReadInt32LittleEndian(message[pos..]);
                if (size < 5 || size > end - pos) throw new MongoProtocolException($"the server's OP_MSG section declares {size} bytes, {end - pos} are left");
                var section = message.Slice(pos, size);
                pos += size;
                switch (kind)
                {
                    case 0:
                        if (body is not null) throw new MongoProtocolException("the server's OP_MSG has two body sections");
                        body = Bson.Decode(section);
                        break;
                    case 1:
                        var nameEnd = section[4..].IndexOf((byte)0);
                        if (nameEnd < 0) throw new MongoProtocolException("the server's document sequence has no terminated identifier");
                        var identifier = System.Text.Encoding.UTF8.GetString(section.Slice(4, nameEnd));
                        var docs = new BsonArray();
                        for (var at = 4 + nameEnd + 1; at < size;)
                        {
                            if (size - at < 5) throw new MongoProtocolException("the server's document sequence ends inside a document");
                            var docLength = BinaryPrimitives.ReadInt32LittleEndian(section[at..]);
                            if (docLength < 5 || docLength > size - at) throw new MongoProtocolException("a document in the server's document sequence overruns its section");
                            docs.Add(Bson.Decode(section.Slice(at, docLength)));
                            at += docLength;
                        }
                        sequences.Add((identifier, docs));
                        break;
                    default:
                        throw new MongoProtocolException($"the server's OP_MSG has a section of unknown kind {kind}");
                }
            }
        }
        catch (BsonFormatException e)
        {
            throw new MongoProtocolException($"the server's reply is not valid BSON: {e.Message}", e);
        }
        if (body is null) throw new MongoProtocolException("the server's OP_MSG has no body section");
        foreach (var (identifier, docs) in sequences) body.Set(identifier, docs);
        return body;
    }

    /// <summary>CRC-32C (Castagnoli), hardware-accelerated where the CPU has it.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
