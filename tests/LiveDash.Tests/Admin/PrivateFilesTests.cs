using LiveDash.Admin;

namespace LiveDash.Tests.Admin;

public class PrivateFilesTests
{
    [Fact]
    public async Task AStartPutsLoosenedKeysAndPasswordBackTo700And600()
    {
        if (OperatingSystem.IsWindows()) return;
        var state = Directory.CreateTempSubdirectory("livedash-private-").FullName;
        try
        {
            // As an older version or a careless copy left them: 755 and 644.
            var keys = Directory.CreateDirectory(Path.Combine(state, "keys")).FullName;
            File.SetUnixFileMode(keys, (UnixFileMode)0b111_101_101);
            var key = Path.Combine(keys, "key-old.xml");
            await File.WriteAllTextAsync(key, "<key/>");
            File.SetUnixFileMode(key, (UnixFileMode)0b110_100_100);
            var password = Path.Combine(state, "admin-password");
            await File.WriteAllTextAsync(password, "kept-in-the-file\n");
            File.SetUnixFileMode(password, (UnixFileMode)0b110_100_100);

            // No configured password: the app reads the file (and so the start is a real one from this state directory).
            await using (var app = new LiveDashApp { ExtraSettings = new Dictionary<string, string?> { ["LiveDash:StateDir"] = state, ["LiveDash:AdminPassword"] = "" } })
            {
                using var http = app.CreateClient();
                http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String("admin:kept-in-the-file"u8.ToArray()));
                Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/admin/api/settings")).StatusCode);
            }

            Assert.Equal(PrivateFiles.OwnerOnlyDirectory, File.GetUnixFileMode(keys));
            Assert.Equal(PrivateFiles.OwnerOnlyFile, File.GetUnixFileMode(key));
            Assert.Equal(PrivateFiles.OwnerOnlyFile, File.GetUnixFileMode(password));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public void AFreshKeysDirectoryIsCreated700()
    {
        if (OperatingSystem.IsWindows()) return;
        var state = Path.Combine(Directory.CreateTempSubdirectory("livedash-private-").FullName, "state");
        try
        {
            var keys = PrivateFiles.KeysDirectory(state);
            Assert.Equal(Path.Combine(state, "keys"), keys.FullName);
            Assert.Equal(PrivateFiles.OwnerOnlyDirectory, File.GetUnixFileMode(keys.FullName));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(state)!, recursive: true);
        }
    }
}
