using Microsoft.AspNetCore.Components;

namespace MiniCrm.Api.Web.Support;

/// <summary>
/// A page of the web app: knows its caller (<see cref="Me"/>, cascaded by the layout), so it shows only what the caller's
/// role allows. What it does not show, the application services refuse anyway (403 over HTTP).
/// </summary>
public abstract class CrmPage : ComponentBase
{
    [CascadingParameter]
    public Caller Me { get; set; } = Caller.Nobody;
}
