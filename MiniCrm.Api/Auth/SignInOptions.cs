using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Api.Auth;

/// <summary>Marketers' sign-in: <c>Authentication:*</c>. Bound and validated at start.</summary>
public sealed class SignInOptions
{
    public const string SectionName = "Authentication";

    /// <summary>
    /// Email domains whose Google accounts may sign in (a CRM is a company's tool). Empty lets every
    /// Google account with a verified email in; the Api logs a warning at start when it is empty and Google is configured.
    /// </summary>
    public string[] AllowedEmailDomains { get; set; } = [];

    /// <summary>
    /// Outside Development the Api refuses to start with Google configured and no <see cref="AllowedEmailDomains"/>
    /// (a deployment that forgot the setting would let every Google account in); true allows that on purpose.
    /// </summary>
    public bool AllowAnyGoogleAccount { get; set; }

    /// <summary>
    /// The development sign-in (an email and a name, no password): only ever in the Development
    /// environment, and there only while this is true. In any other environment it does not exist.
    /// </summary>
    public bool DevelopmentSignIn { get; set; } = true;

    /// <summary>How long a session lasts without use.</summary>
    [Range(5, 60 * 24 * 30)]
    public int SessionMinutes { get; set; } = 8 * 60;

    public GoogleSignInOptions Google { get; set; } = new();

    public bool AllowsEmail(string email)
    {
        if (AllowedEmailDomains.Length == 0)
        {
            return true;
        }

        var at = email.LastIndexOf('@');
        var domain = at < 0 ? "" : email[(at + 1)..];
        return AllowedEmailDomains.Any(d => string.Equals(d.Trim().TrimStart('@'), domain, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>The Google OAuth client (Aspire parameters google-client-id and google-client-secret).</summary>
public sealed class GoogleSignInOptions
{
    public string ClientId { get; set; } = "";

    public string ClientSecret { get; set; } = "";

    /// <summary>Only to point the real handler at another OAuth server (the tests' fake Google); empty means Google's own.</summary>
    public string? AuthorizationEndpoint { get; set; }

    public string? TokenEndpoint { get; set; }

    public string? UserInformationEndpoint { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret);
}
