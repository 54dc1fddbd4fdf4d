using System.Buffers.Binary;
using System.Diagnostics;
using LiveDash.Store;
using LiveDash.Mongo;
using LiveDash.Store.Mongo;

// Decodes the store's order documents (embedded lines, decimal128 prices) with LiveDash's BSON codec,
// writes the same bytes to a file for pymongo to decode, and prints docs/s. Usage: <orders> <bson-file>
var orders = args.Length > 0 ? int.Parse(args[0]) : 10_000;
var file = args.Length > 1 ? args[1] : Path.GetTempFileName();
var seed = new SeedData(products: 5_000, orders: orders);
var encoded = seed.GenerateOrders().Select(o => Bson.Encode(MongoDocuments.OrderDocument(o.Order, o.Lines))).ToList();
using (var output = File.Create(file))
    foreach (var doc in encoded) output.Write(doc);
var bytes = File.ReadAllBytes(file);

var decoded = 0;
void DecodeAll()
{
    for (var pos = 0; pos < bytes.Length;)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos));
        Bson.Decode(bytes.AsSpan(pos, length));
        pos += length;
        decoded++;
    }
}

DecodeAll(); // warm-up: JIT and tiering
var best = double.MaxValue;
for (var run = 0; run < 7; run++)
{
    decoded = 0;
    var clock = Stopwatch.StartNew();
    DecodeAll();
    best = Math.Min(best, clock.Elapsed.TotalSeconds);
}
if (decoded != orders) throw new InvalidOperationException($"decoded {decoded} documents, expected {orders}");
Console.WriteLine($"{orders}\t{bytes.Length}\t{orders / best:F0}");
