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
    /// Emails of the team's admins: each is an Admin at every sign-in (so a team cannot lock itself out of its Team page),
    /// and the Team page does not change them. Everyone else's role is given on the Team page.
    /// </summary>
    public string[] Admins { get; set; } = [];

    /// <summary>
    /// The role of an account that signs in for the first time and is not in <see cref="Admins"/>: Analyst (reads only),
    /// Marketer, or Refused (only accounts an admin added on the Team page may sign in).
    /// </summary>
    public NewAccountPolicy NewAccounts { get; set; } = NewAccountPolicy.Analyst;

    /// <summary>
    /// The development sign-in (an email and a name, no password): only ever in the Development
    /// environment, and there only while this is true. In any other environment it does not exist.
    /// </summary>
    public bool DevelopmentSignIn { get; set; } = true;

    /// <summary>How long a session lasts without use.</summary>
    [Range(5, 60 * 24 * 30)]
    public int SessionMinutes { get; set; } = 8 * 60;

    public GoogleSignInOptions Google { get; set; } = new();

    public bool IsAdmin(string email) => Admins.Any(a => string.Equals(a.Trim(), email, StringComparison.OrdinalIgnoreCase));

    /// <summary>The role a first sign-in of <paramref name="email"/> starts with; null when it is refused.</summary>
    public Role? FirstRole(string email) => IsAdmin(email) ? Role.Admin : NewAccounts switch
    {
        NewAccountPolicy.Marketer => Role.Marketer,
        NewAccountPolicy.Refused => null,
        _ => Role.Analyst,
    };

    public bool AllowsDomain(string? domain) =>
        domain is not null && AllowedEmailDomains.Any(d => string.Equals(d.Trim().TrimStart('@'), domain, StringComparison.OrdinalIgnoreCase));

    public bool AllowsEmail(string email)
    {
        if (AllowedEmailDomains.Length == 0)
        {
            return true;
        }

        var at = email.LastIndexOf('@');
        return AllowsDomain(at < 0 ? "" : email[(at + 1)..]);
    }
}

/// <summary>What a first sign-in of an account outside <c>Authentication:Admins</c> gets.</summary>
public enum NewAccountPolicy
{
    Analyst,
    Marketer,
    Refused,
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

    /// <summary>
    /// Also require Google's <c>hd</c> claim (the account's Google Workspace domain) to be one of the allowed domains:
    /// a personal Google account under a company address (possible without Workspace) is then refused.
    /// </summary>
    public bool RequireHostedDomain { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret);
}
