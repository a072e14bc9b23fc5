using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using OpenTelemetry;

namespace MiniCrm.Api.Auth;

/// <summary>
/// The Data Protection key ring's store (crmdb), read and written without traces: the ring is loaded when the Api
/// starts and refreshed in the background, which is no one's work and must not fill the dashboard's trace list.
/// </summary>
internal sealed class UntracedXmlRepository(IXmlRepository keys) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var _ = SuppressInstrumentationScope.Begin();
        return keys.GetAllElements();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var _ = SuppressInstrumentationScope.Begin();
        keys.StoreElement(element, friendlyName);
    }
}
