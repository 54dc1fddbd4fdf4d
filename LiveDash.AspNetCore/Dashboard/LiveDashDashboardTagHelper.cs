using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.Options;

namespace LiveDash.AspNetCore;

/// <summary>
/// <c>&lt;livedash-dashboard&gt;</c> on a host's Razor page (<c>@addTagHelper *, LiveDash.AspNetCore</c>) renders the generic
/// dashboard's body, the same markup as the library's own page: the header strip, the toolbar, the starvation banner, latency,
/// throughput, thread pool, threads held, waterfall, histogram and client-vs-server panels, with the ids the modules under
/// <c>js/</c> draw into. The host adds its own markup in <c>&lt;livedash-slot name="…"&gt;</c> children (see
/// <see cref="LiveDashSlotTagHelper"/>); any other attribute it gives goes onto the <c>#dash</c> element. The page adds the
/// styles and scripts itself (<c>_content/LiveDash.AspNetCore/css/dashboard.css</c>, Chart.js, the SignalR client and its
/// module that calls <c>startDashboard</c>).
/// </summary>
/// <param name="labels">The host's labels: <c>data-modes</c>.</param>
/// <param name="options">Where the hub is (<see cref="LiveDashOptions.HubPath"/>, else <c>{Path}/hub</c>).</param>
[HtmlTargetElement("livedash-dashboard")]
public sealed class LiveDashDashboardTagHelper(ILiveDashLabels labels, IOptions<LiveDashOptions> options) : TagHelper
{
    /// <summary>The hub's path, when the dashboard was mapped elsewhere than <see cref="LiveDashOptions.Path"/> and no <see cref="LiveDashOptions.HubPath"/> is set.</summary>
    [HtmlAttributeName("hub")]
    public string? Hub { get; set; }

    /// <summary>
    /// The blocking capture's URL (<c>{path}/api/blocking/capture</c>) to show "Where they block"; null or empty (the default: Razor gives an attribute whose value is null as empty), or
    /// <see cref="LiveDashOptions.BlockingCapture"/> off, leaves the panel out.
    /// </summary>
    [HtmlAttributeName("blocking-capture")]
    public string? BlockingCapture { get; set; }

    /// <inheritdoc />
    public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
    {
        var slots = new Dictionary<string, string>(StringComparer.Ordinal);
        context.Items[typeof(LiveDashSlotTagHelper)] = slots;
        await output.GetChildContentAsync();
        using var attributes = new StringWriter();
        foreach (var attribute in output.Attributes)
        {
            attributes.Write(' ');
            attribute.WriteTo(attributes, HtmlEncoder.Default);
        }
        var hub = !string.IsNullOrEmpty(Hub) ? Hub : options.Value.HubPathFor("/" + options.Value.Path.Trim('/'));
        output.TagName = null;
        output.Attributes.Clear();
        output.Content.SetHtmlContent(DashboardMarkup.Render(DashboardMarkup.For(labels, hub, options.Value.BlockingCapture && !string.IsNullOrEmpty(BlockingCapture) ? BlockingCapture : null, attributes.ToString()), slots));
    }
}

/// <summary>
/// <c>&lt;livedash-slot name="…"&gt;</c> inside <c>&lt;livedash-dashboard&gt;</c>: the host's markup at that place of the
/// generic dashboard. The slots, in page order: <c>top</c>; in the header strip <c>strip-start</c> (after the connection dot),
/// <c>strip-after-queue</c>, <c>strip-after-errors</c>, <c>strip-end</c>; <c>toolbar-end</c>; <c>before-starvation</c> and
/// <c>after-starvation</c> (around the banner); <c>empty</c> (replaces the "waiting for requests" text) and <c>libs-missing</c> (what to do when the chart libraries did not load); among the panels
/// <c>panels-start</c>, <c>after-threads-held</c>, <c>waterfall-note</c> (replaces the waterfall's caption),
/// <c>after-histogram</c> and <c>panels-end</c>. An unknown name is an error.
/// </summary>
[HtmlTargetElement("livedash-slot", ParentTag = "livedash-dashboard")]
public sealed class LiveDashSlotTagHelper : TagHelper
{
    /// <summary>Which slot.</summary>
    [HtmlAttributeName("name")]
    public string Name { get; set; } = "";

    /// <inheritdoc />
    public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
    {
        if (!context.Items.TryGetValue(typeof(LiveDashSlotTagHelper), out var found) || found is not Dictionary<string, string> slots)
            throw new InvalidOperationException("<livedash-slot> belongs directly inside <livedash-dashboard>");
        if (!DashboardMarkup.SlotNames.Contains(Name))
            throw new InvalidOperationException($"<livedash-slot name=\"{Name}\">: no such slot; the dashboard's are {string.Join(", ", DashboardMarkup.SlotNames)}");
        slots[Name] = (await output.GetChildContentAsync()).GetContent();
        output.SuppressOutput();
    }
}
