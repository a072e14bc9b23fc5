using System.Security.Claims;
using MiniCrm.Api.Application;
using MiniCrm.Api.Application.Team;
using MiniCrm.Api.Auth;
using MiniCrm.Core.Domain;
using MiniCrm.Core.Segments;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class RolesTests
{
    private static readonly IReadOnlyList<Operation> All = Operations.All;

    [Theory]
    [InlineData(Role.Admin, "team.role", true)]
    [InlineData(Role.Marketer, "team.role", false)]
    [InlineData(Role.Marketer, "campaign.cancel", true)]
    [InlineData(Role.Analyst, "campaign.cancel", false)]
    [InlineData(Role.Analyst, "campaign.log_export", false)]
    [InlineData(Role.Analyst, "user.phone", true)]
    public void Each_role_may_do_what_the_one_below_it_may_and_more(Role role, string action, bool may)
    {
        var operation = All.Single(o => o.Action == action);
        Assert.Equal(may, new Caller("user_1", "a@example.com", role, null).May(operation));
        Assert.False(Caller.Nobody.May(operation));
    }

    [Fact]
    public void Every_operation_has_its_own_action_and_a_record_kind_when_it_is_audited_with_one()
    {
        Assert.Equal(All.Count, All.Select(o => o.Action).Distinct().Count());
        Assert.All(All, o => Assert.Matches("^[a-z]+\\.[a-z_]+$", o.Action));
        Assert.All(All.Where(o => o.Action.StartsWith("campaign.", StringComparison.Ordinal) && o.Action != "campaign.test_send"), o => Assert.Equal("campaign", o.RecordType));
    }

    [Fact]
    public void A_refusal_names_the_role_needed_and_the_callers_role_in_words()
    {
        var refused = CrmProblem.Forbidden(Operations.CancelCampaign, Role.Analyst);
        Assert.Equal(ProblemKind.Forbidden, refused.Kind);
        Assert.Equal(Role.Marketer, refused.NeededRole);
        Assert.Equal("Cancelling a campaign needs the Marketer role (or Admin); this account is an Analyst. An admin can change roles on the Team page.", refused.Detail);
        Assert.Equal("Changing a team member's role needs the Admin role; this account is a Marketer. An admin can change roles on the Team page.",
            CrmProblem.Forbidden(Operations.ChangeRole, Role.Marketer).Detail);
        Assert.Contains("sign in again", CrmProblem.Forbidden(Operations.ChangeRole, null).Detail);
    }

    [Theory]
    [InlineData("Admin", Role.Admin)]
    [InlineData("marketer", Role.Marketer)]
    [InlineData(" ANALYST ", Role.Analyst)]
    [InlineData("2", null)]
    [InlineData("Owner", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void A_role_is_read_by_its_name_only(string? text, Role? expected)
    {
        var errors = new List<FieldError>();
        Assert.Equal(expected, TeamMembers.ReadRole(text, errors));
        Assert.Equal(expected is null, errors.Any(e => e.Field == "role"));
    }

    [Theory]
    [InlineData(NewAccountPolicy.Analyst, "new@example.com", Role.Analyst)]
    [InlineData(NewAccountPolicy.Marketer, "new@example.com", Role.Marketer)]
    [InlineData(NewAccountPolicy.Refused, "new@example.com", null)]
    [InlineData(NewAccountPolicy.Refused, "Boss@Example.com", Role.Admin)]
    public void A_first_sign_in_starts_as_configured_and_configured_admins_as_admins(NewAccountPolicy policy, string email, Role? expected)
    {
        var options = new SignInOptions { NewAccounts = policy, Admins = ["boss@example.com"], AllowedEmailDomains = ["example.com"] };
        Assert.Equal(expected, options.FirstRole(email));
        Assert.True(options.AllowsDomain("EXAMPLE.com"));
        Assert.False(options.AllowsDomain(null));
    }

    [Fact]
    public void A_session_without_a_role_has_none()
    {
        var old = new ClaimsPrincipal(new ClaimsIdentity([new Claim(CrmAuthentication.UserIdClaim, "user_1")], "test"));
        Assert.Null(Caller.RoleOf(old));
        var current = new ClaimsPrincipal(new ClaimsIdentity([new Claim(CrmAuthentication.UserIdClaim, "user_1"), new Claim(CrmAuthentication.RoleClaim, "Marketer")], "test"));
        Assert.Equal(Role.Marketer, Caller.Of(current, "10.0.0.1").Role);
        Assert.Equal("10.0.0.1", Caller.Of(current, "10.0.0.1").Address);
    }
}
