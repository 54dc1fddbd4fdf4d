using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace LiveDash.Mongo.Tests;

/// <summary>Random documents through pymongo's BSON (Debian python3-pymongo) and ours, both directions.</summary>
public class PymongoCrossCheckTests
{
    const int Documents = 300;

    static async Task<List<(string Hex, JsonElement Typed)>> Python(string arguments, string? input = null)
    {
        using var process = MongoTestPaths.StartPython("bson_crosscheck.py", arguments);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (input is not null) await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"bson_crosscheck.py {arguments} failed: {await stderr}");
        return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 2))
            .Select(parts => (parts[0].ToUpperInvariant(), JsonDocument.Parse(parts[1]).RootElement))
            .ToList();
    }

    [Fact]
    public async Task DocumentsEncodedByPymongoDecodeEqualHere()
    {
        var lines = await Python($"generate 20261122 {Documents}");
        Assert.Equal(Documents, lines.Count);
        foreach (var (hex, typed) in lines)
        {
            var decoded = Bson.Decode(Convert.FromHexString(hex));
            Assert.Equal((BsonDocument)FromTyped(typed)!, decoded);
            Assert.Equal(hex, Convert.ToHexString(Bson.Encode(decoded)));
        }
    }

    [Fact]
    public async Task DocumentsEncodedHereDecodeEqualInPymongo()
    {
        var random = new Random(20261122);
        var documents = Enumerable.Range(0, Documents).Select(_ => RandomDocument(random, 0)).ToList();
        var hexes = documents.Select(d => Convert.ToHexString(Bson.Encode(d))).ToList();
        var lines = await Python("decode", string.Join('\n', hexes) + "\n");
        Assert.Equal(Documents, lines.Count);
        for (var i = 0; i < Documents; i++)
        {
            Assert.Equal(documents[i], (BsonDocument)FromTyped(lines[i].Typed)!);
            Assert.Equal(hexes[i], lines[i].Hex);
        }
    }

    static object? FromTyped(JsonElement e)
    {
        var kind = e[0].GetString();
        return kind switch
        {
            "null" => null,
            "bool" => e[1].GetBoolean(),
            "int32" => e[1].GetInt32(),
            "int64" => long.Parse(e[1].GetString()!),
            "double" => BinaryPrimitives.ReadDoubleLittleEndian(Convert.FromHexString(e[1].GetString()!)),
            "string" => e[1].GetString(),
            "doc" => Doc(e[1]),
            "array" => new BsonArray(e[1].EnumerateArray().Select(FromTyped)),
            "binary" => new BsonBinary((byte)e[1].GetInt32(), Convert.FromBase64String(e[2].GetString()!)),
            "oid" => ObjectId.Parse(e[1].GetString()!),
            "datetime" => new BsonDateTime(e[1].GetInt64()),
            "decimal128" => Decimal128.FromBytes(Convert.FromHexString(e[1].GetString()!)),
            "timestamp" => new BsonTimestamp(e[1].GetUInt32(), e[2].GetUInt32()),
            "regex" => new BsonRegex(e[1].GetString()!, e[2].GetString()!),
            "minkey" => BsonMinKey.Value,
            "maxkey" => BsonMaxKey.Value,
            _ => throw new InvalidOperationException($"unknown typed value {kind}"),
        };

        static BsonDocument Doc(JsonElement items)
        {
            var doc = new BsonDocument();
            foreach (var item in items.EnumerateArray()) doc.Add(item[0].GetString()!, FromTyped(item[1]));
            return doc;
        }
    }

    static string RandomText(Random random, int max)
    {
        string[] pieces = ["a", "b", "Z", "0", " ", "_", ".", "$", "é", "€", "中", "😀", "\t", "\"", "\\"];
        var text = new StringBuilder();
        for (var i = random.Next(max); i > 0; i--) text.Append(pieces[random.Next(pieces.Length)]);
        return text.ToString();
    }

    static BsonDocument RandomDocument(Random random, int depth)
    {
        var doc = new BsonDocument();
        for (var i = random.Next(1, 7); i > 0; i--) doc.Add(RandomText(random, 6) + i, RandomValue(random, depth));
        return doc;
    }

    static object? RandomValue(Random random, int depth)
    {
        switch (random.Next(depth < 3 ? 16 : 13))
        {
            case 0: return new[] { 0.0, -0.0, 1.5, -2.25e300, double.Epsilon, double.PositiveInfinity, random.NextDouble() * 1e9 }[random.Next(7)];
            case 1: return RandomText(random, 12);
            case 2: return new BsonBinary(new byte[] { 0, 5, 128 }[random.Next(3)], RandomBytes(random, random.Next(20)));
            case 3: return ObjectId.FromBytes(RandomBytes(random, 12));
            case 4: return random.Next(2) == 0;
            case 5: return new BsonDateTime(random.NextInt64(-1_000_000_000_000, 4_000_000_000_000));
            case 6: return null;
            case 7: return random.Next(int.MinValue, int.MaxValue);
            case 8: return random.NextInt64(long.MinValue, long.MaxValue);
            case 9: return Decimal128.FromDecimal(new decimal(random.NextInt64(-1_000_000_000_000, 1_000_000_000_000)) / (decimal)Math.Pow(10, random.Next(8)));
            case 10: return new BsonTimestamp((uint)random.NextInt64(uint.MaxValue), (uint)random.NextInt64(uint.MaxValue));
            case 11: return new BsonRegex(RandomText(random, 6), string.Concat("ilmsux".Where(_ => random.Next(3) == 0)));
            case 12: return random.Next(2) == 0 ? BsonMinKey.Value : BsonMaxKey.Value;
            case 13 or 14: return RandomDocument(random, depth + 1);
            default: return new BsonArray(Enumerable.Range(0, random.Next(5)).Select(_ => RandomValue(random, depth + 1)));
        }
    }

    static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
