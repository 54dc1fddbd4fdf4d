using System.Text.RegularExpressions;

namespace LiveDash.AspNetCore;

/// <summary>Reads stack frames as a person would: whose code a frame is, which calls block, and compiler-generated names made readable.</summary>
static partial class FrameNames
{
    /// <summary>Code that is not the app's own: the runtime, ASP.NET Core, database drivers, LiveDash itself.</summary>
    static readonly string[] NotAppPrefixes = ["System.", "dynamicClass.", "Microsoft.", "Npgsql", "MongoDB.", "LiveDash.AspNetCore.", "Interop", "Internal.", "DnsClient.", "SharpCompress.", "Snappier.", "ZstdSharp."];
    static readonly string[] NotAppModules = ["System.", "Microsoft.", "Npgsql", "MongoDB.", "LiveDash.AspNetCore", "DnsClient", "SharpCompress", "Snappier", "ZstdSharp", "netstandard", "mscorlib"];

    /// <summary>Blocking calls by (type, method prefix), as a type's short name and a method; the one nearest the app's frame is reported.</summary>
    static readonly (string Type, string Method, string Name)[] BlockingCalls =
    [
        ("System.Threading.Thread", "Sleep", "Thread.Sleep"),
        ("System.Threading.Thread", "Join", "Thread.Join"),
        ("System.Threading.Monitor", "Wait", "Monitor.Wait"),
        ("System.Threading.Monitor", "Enter", "Monitor.Enter"),
        ("System.Threading.Monitor", "ReliableEnter", "Monitor.Enter"),
        ("System.Threading.Monitor", "TryEnter", "Monitor.TryEnter"),
        ("System.Threading.Lock", "Enter", "Lock.Enter"),
        ("System.Threading.Lock", "TryEnter", "Lock.TryEnter"),
        ("System.Threading.ManualResetEventSlim", "Wait", "ManualResetEventSlim.Wait"),
        ("System.Threading.SemaphoreSlim", "Wait", "SemaphoreSlim.Wait"),
        ("System.Threading.CountdownEvent", "Wait", "CountdownEvent.Wait"),
        ("System.Threading.ReaderWriterLockSlim", "Enter", "ReaderWriterLockSlim.Enter"),
        ("System.Threading.WaitHandle", "Wait", "WaitHandle.Wait"),
        ("System.Threading.Tasks.Task", "Wait", "Task.Wait"),
        ("System.Threading.Tasks.Task", "InternalWait", "Task.Wait"),
        ("System.Threading.Tasks.Task", "SpinThenBlockingWait", "Task.Wait"),
        ("System.Threading.Tasks.Task`1", "get_Result", "Task.Result"),
        ("System.Runtime.CompilerServices.TaskAwaiter", "GetResult", "TaskAwaiter.GetResult"),
        // GetResult itself is small enough to be inlined into its caller; these are what it calls when the task has not finished.
        ("System.Runtime.CompilerServices.TaskAwaiter", "HandleNonSuccessAndDebuggerNotification", "TaskAwaiter.GetResult"),
        ("System.Runtime.CompilerServices.TaskAwaiter", "ValidateEnd", "TaskAwaiter.GetResult"),
        ("System.Runtime.CompilerServices.TaskAwaiter`1", "GetResult", "TaskAwaiter.GetResult"),
        ("System.Runtime.CompilerServices.ConfiguredTaskAwaitable+ConfiguredTaskAwaiter", "GetResult", "ConfiguredTaskAwaiter.GetResult"),
        ("System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1+ConfiguredTaskAwaiter", "GetResult", "ConfiguredTaskAwaiter.GetResult"),
        ("System.Runtime.CompilerServices.ValueTaskAwaiter", "GetResult", "ValueTaskAwaiter.GetResult"),
        ("System.Runtime.CompilerServices.ValueTaskAwaiter`1", "GetResult", "ValueTaskAwaiter.GetResult"),
        ("System.Net.Sockets.Socket", "Receive", "Socket.Receive"),
        ("System.Net.Sockets.Socket", "Send", "Socket.Send"),
        ("System.Net.Sockets.Socket", "Connect", "Socket.Connect"),
        ("System.Net.Sockets.Socket", "Accept", "Socket.Accept"),
        ("System.Net.Sockets.Socket", "Poll", "Socket.Poll"),
        ("System.Net.Sockets.SocketAsyncContext", "Receive", "Socket.Receive"),
        ("System.Net.Sockets.SocketAsyncContext", "Send", "Socket.Send"),
        ("System.Net.Sockets.SocketAsyncContext", "Connect", "Socket.Connect"),
        ("System.Net.Sockets.NetworkStream", "Read", "NetworkStream.Read"),
        ("System.Net.Sockets.NetworkStream", "Write", "NetworkStream.Write"),
        ("System.Net.Security.SslStream", "Read", "SslStream.Read"),
        ("System.Net.Dns", "GetHost", "Dns.GetHost"),
        ("System.Net.Http.HttpClient", "Send", "HttpClient.Send"),
        ("System.IO.FileStream", "Read", "FileStream.Read"),
        ("System.IO.FileStream", "Write", "FileStream.Write"),
        ("System.IO.RandomAccess", "Read", "RandomAccess.Read"),
        ("System.Diagnostics.Process", "WaitForExit", "Process.WaitForExit"),
        // The runtime's own system calls, for blocking I/O through APIs not listed above.
        ("Interop+Sys", "Read", "read (syscall)"),
        ("Interop+Sys", "Write", "write (syscall)"),
        ("Interop+Sys", "Receive", "recv (syscall)"),
        ("Interop+Sys", "Send", "send (syscall)"),
        ("Interop+Sys", "Poll", "poll (syscall)"),
        ("Interop+Sys", "Connect", "connect (syscall)"),
        ("Interop+Sys", "Accept", "accept (syscall)"),
        ("Interop+Sys", "FSync", "fsync (syscall)"),
        ("Interop+Sys", "LockFileRegion", "fcntl lock (syscall)"),
        ("Interop+Sys", "FLock", "flock (syscall)"),
        ("Interop+Kernel32", "WaitFor", "WaitForSingleObject"),
        ("Interop+Kernel32", "ReadFile", "ReadFile"),
        ("Interop+Winsock", "recv", "recv"),
    ];

    /// <summary>A frame's name without its parameter list, e.g. <c>System.Threading.Thread.Sleep</c>.</summary>
    public static string Method(string frame)
    {
        var paren = frame.IndexOf('(');
        if (paren > 0) frame = frame[..paren];
        var bang = frame.IndexOf('!');
        return (bang >= 0 ? frame[(bang + 1)..] : frame).Trim();
    }

    /// <summary>A delegate ASP.NET Core generates for a minimal API endpoint; a small handler is often inlined into it.</summary>
    public static bool IsGeneratedDelegate(string method) => method.StartsWith("dynamicClass.lambda_method", StringComparison.Ordinal);

    /// <summary>Whether a frame is the app's own code, from its method name and (when known) its module.</summary>
    public static bool IsApp(string method, string? module)
    {
        if (method.Length == 0 || method.StartsWith('?') || method.StartsWith("UNMANAGED", StringComparison.Ordinal)) return false;
        if (!string.IsNullOrEmpty(module))
            foreach (var prefix in NotAppModules)
                if (module.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        foreach (var prefix in NotAppPrefixes)
            if (method.StartsWith(prefix, StringComparison.Ordinal)) return false;
        return true;
    }

    /// <summary>The blocking call a frame is, e.g. <c>Thread.Sleep</c>, or null.</summary>
    public static string? Blocking(string method)
    {
        var dot = LastDotOutsideBrackets(method);
        if (dot <= 0) return null;
        var type = StripGenericArguments(method[..dot]);
        var name = method[(dot + 1)..];
        foreach (var (t, m, label) in BlockingCalls)
            if (type == t && name.StartsWith(m, StringComparison.Ordinal)) return label;
        return null;
    }

    /// <summary>A short name for a frame that is not a known blocking call: its type's last name and the method.</summary>
    public static string Short(string method)
    {
        var dot = LastDotOutsideBrackets(method);
        if (dot <= 0) return method;
        var type = StripGenericArguments(method[..dot]);
        var typeDot = type.LastIndexOf('.');
        return type[(typeDot + 1)..].Replace('+', '.') + "." + method[(dot + 1)..];
    }

    /// <summary>
    /// The app's frame as <c>Type.Method</c>: an async method's state machine as the method, a lambda as
    /// <c>Type.&lt;lambda in Method&gt;</c> (a top-level program's lambdas as <c>Program.&lt;lambda /route&gt;</c>), a local function by its name.
    /// </summary>
    public static string Readable(string method, string? route = null)
    {
        var dot = LastDotOutsideBrackets(method);
        if (dot <= 0) return method;
        var type = method[..dot];
        var name = method[(dot + 1)..];
        // Nested compiler-generated types (<>c, <>c__DisplayClass0_0, <GetAsync>d__5) belong to the type around them.
        string? stateMachineOf = null;
        for (var plus = type.LastIndexOf('+'); plus > 0 && type[plus + 1] == '<'; plus = type.LastIndexOf('+'))
        {
            if (StateMachine().Match(type[(plus + 1)..]) is { Success: true } sm) stateMachineOf ??= sm.Groups[1].Value;
            type = type[..plus];
        }
        type = StripGenericArguments(type).Replace('+', '.');
        if (Lambda().Match(name) is { Success: true } lambda) return $"{type}.<lambda {LambdaHome(lambda.Groups[1].Value, route)}>";
        if (LocalFunction().Match(name) is { Success: true } local) return $"{type}.{local.Groups[2].Value}";
        if (stateMachineOf is not null && name == "MoveNext")
            return LambdaHomeOf(stateMachineOf) is { } home ? $"{type}.<lambda {LambdaHome(home, route)}>" : $"{type}.{stateMachineOf}";
        return $"{type}.{name}";
    }

    static string LambdaHome(string method, string? route) =>
        method == "<Main>$" && route is not null ? route : "in " + method;

    // An async lambda's state machine is named after the lambda: <<Main>$b__0_2>d.
    static string? LambdaHomeOf(string stateMachine) => Lambda().Match(stateMachine) is { Success: true } m ? m.Groups[1].Value : null;

    static int LastDotOutsideBrackets(string name)
    {
        var depth = 0;
        for (var i = name.Length - 1; i >= 0; i--)
        {
            var c = name[i];
            if (c is '>' or ']') depth++;
            else if (c is '<' or '[') depth--;
            else if (c == '.' && depth == 0) return i;
        }
        return -1;
    }

    static string StripGenericArguments(string type)
    {
        var bracket = type.IndexOf('[');
        return bracket > 0 ? type[..bracket] : type;
    }

    [GeneratedRegex(@"^<(.+)>b__\d+(_\d+)?$")]
    private static partial Regex Lambda();

    [GeneratedRegex(@"^<(.+)>g__([^|]+)\|")]
    private static partial Regex LocalFunction();

    [GeneratedRegex(@"^<(.+)>d(__\d+)?$")]
    private static partial Regex StateMachine();
}
