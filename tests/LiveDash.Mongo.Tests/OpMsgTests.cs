using System.Buffers.Binary;

namespace LiveDash.Mongo.Tests;

public class OpMsgTests
{
    [Fact]
    public void Crc32CMatchesTheCastagnoliCheckValue() =>
        Assert.Equal(0xE3069283u, OpMsg.Crc32C("123456789"u8));

    static byte[] Reply(uint flags, BsonDocument body, bool checksum = false, int responseTo = 5)
    {
        using var buffer = new BsonBuffer();
        OpMsg.WriteRequest(buffer, 9, body, withChecksum: checksum);
        var bytes = buffer.WrittenSpan.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), responseTo);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), flags | (checksum ? OpMsg.ChecksumPresent : 0));
        if (checksum) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), OpMsg.Crc32C(bytes.AsSpan(0, bytes.Length - 4)));
        return bytes;
    }

    [Fact]
    public void RequestsCarryHeaderFlagsAndBody()
    {
        using var buffer = new BsonBuffer();
        OpMsg.WriteRequest(buffer, 42, new BsonDocument { { "ping", 1 } }, new DocumentSequence("documents", [new BsonDocument { { "a", 1 } }]));
        var bytes = buffer.WrittenSpan;
        Assert.Equal(bytes.Length, BinaryPrimitives.ReadInt32LittleEndian(bytes));
        Assert.Equal(42, BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]));
        Assert.Equal(2013, BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(bytes[16..]));
        Assert.Equal(0, bytes[20]);
        var reparsed = OpMsg.ParseReply(bytes);
        Assert.Equal(1, reparsed["ping"]);
        Assert.Equal(1, ((BsonDocument)reparsed.Get<BsonArray>("documents")[0]!)["a"]);
    }

    [Fact]
    public void ChecksummedMessagesVerify()
    {
        var good = Reply(0, new BsonDocument { { "ok", 1 } }, checksum: true);
        Assert.Equal(1, OpMsg.ParseReply(good)["ok"]);
        good[^6] ^= 0xFF;
        Assert.Contains("checksum", Assert.Throws<MongoProtocolException>(() => OpMsg.ParseReply(good)).Message);
    }

    [Fact]
    public void MoreToComeIsRefused() =>
        Assert.Contains("moreToCome", Assert.Throws<MongoProtocolException>(() => OpMsg.ParseReply(Reply(OpMsg.MoreToCome, new BsonDocument { { "ok", 1 } }))).Message);

    [Fact]
    public void UnknownRequiredFlagBitsAreRefusedAndOptionalOnesIgnored()
    {
        Assert.Throws<MongoProtocolException>(() => OpMsg.ParseReply(Reply(1 << 5, new BsonDocument { { "ok", 1 } })));
        Assert.Equal(1, OpMsg.ParseReply(Reply(1 << 20, new BsonDocument { { "ok", 1 } }))["ok"]);
    }

    [Fact]
    public void HeadersForOtherRequestsOrOpcodesAreRefused()
    {
        var reply = Reply(0, new BsonDocument { { "ok", 1 } }, responseTo: 5);
        Assert.Equal(reply.Length, OpMsg.ReadHeader(reply, 5, 1000));
        Assert.Contains("answers request 5", Assert.Throws<MongoProtocolException>(() => OpMsg.ReadHeader(reply, 6, 1000)).Message);
        BinaryPrimitives.WriteInt32LittleEndian(reply.AsSpan(12), 1);
        Assert.Contains("opCode 1", Assert.Throws<MongoProtocolException>(() => OpMsg.ReadHeader(reply, 5, 1000)).Message);
    }

    [Fact]
    public void InvalidBsonInAReplyIsAProtocolError()
    {
        var reply = Reply(0, new BsonDocument { { "ok", true } });
        reply[^2] = 7; // the boolean's byte
        Assert.Contains("not valid BSON", Assert.Throws<MongoProtocolException>(() => OpMsg.ParseReply(reply)).Message);
    }
}
