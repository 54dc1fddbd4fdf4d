using LiveDash.Admin;
using LiveDash.AspNetCore;
using LiveDash.Store;

namespace LiveDash.Telemetry;

/// <summary>The store's fields in the library's summary: the mode its newest second ran in, and the requests admission control shed in those seconds.</summary>
public sealed class StoreSummaryFields(StoreAdmission admission) : ILiveDashSummaryFields
{
    public void Write(LatencySummary summary, IDictionary<string, object> fields)
    {
        var mode = summary.Label is { } label && Enum.IsDefined((StoreMode)label) ? (StoreMode)label : StoreMode.Async;
        fields["mode"] = mode.ToString();
        fields["shed"] = admission.ShedInLast(summary.Seconds);
    }
}
