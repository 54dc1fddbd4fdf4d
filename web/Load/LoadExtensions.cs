extern alias LoadRunner;

using LoadRunner::LiveDash.LoadTests.Agent;

namespace LiveDash.Load;

public static class LoadExtensions
{
    public static string Probe => AgentMessage.ConnectPath;
}
