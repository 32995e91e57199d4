using System.Net;
using System.Text;
using OmniChat.TestKit.Contract;

namespace OmniChat.Api.Tests;

/// <summary>
/// The contract handler on every Api test client really fails a test when the Api leaves its document: it is fed
/// answers that break the live document (a renamed field, an undeclared status, a missing Retry-After) and must say so.
/// </summary>
public sealed class ContractValidatorShould(ApiFixture api)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Messages = """{"messages":[{"id":"01a20a0d-e15b-7fd0-bd87-d1d9d5bec904","seq":1,"direction":"INBOUND","text":"Hi","createdAt":"2026-11-23T20:16:51.547569+00:00"}],"nextAfterSeq":1}""";

    private static readonly Uri MessagesUri = new($"http://api.test/v1/conversations/{Guid.NewGuid()}/messages?afterSeq=0");

    [Fact]
    public async Task AcceptAnAnswerThatKeepsTheDocument()
    {
        var contract = await api.Contract.GetAsync(Ct);

        var violations = contract.Check(HttpMethod.Get, MessagesUri, null, null, 200, "application/json; charset=utf-8", Messages, _ => false);

        Assert.Empty(violations);
    }

    [Fact]
    public async Task ReportAResponseFieldThatWasRenamed()
    {
        var contract = await api.Contract.GetAsync(Ct);
        var renamed = Messages.Replace("\"nextAfterSeq\"", "\"nextSeq\"", StringComparison.Ordinal);

        var violations = contract.Check(HttpMethod.Get, MessagesUri, null, null, 200, "application/json", renamed, _ => false);

        Assert.Contains(violations, v => v.Contains("nextAfterSeq", StringComparison.Ordinal) && v.Contains("V1ListMessages", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportAMessageFieldOfTheWrongType()
    {
        var contract = await api.Contract.GetAsync(Ct);
        var wrong = Messages.Replace("\"seq\":1", "\"seq\":\"1\"", StringComparison.Ordinal);

        var violations = contract.Check(HttpMethod.Get, MessagesUri, null, null, 200, "application/json", wrong, _ => false);

        Assert.Contains(violations, v => v.Contains("/messages/0/seq", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportAStatusTheOperationDoesNotDeclare()
    {
        var contract = await api.Contract.GetAsync(Ct);

        var violations = contract.Check(HttpMethod.Get, MessagesUri, null, null, 418, null, null, _ => false);

        Assert.Contains(violations, v => v.Contains("status 418 is not declared", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportAProblemCodeTheOperationDoesNotDeclare()
    {
        var contract = await api.Contract.GetAsync(Ct);
        const string Problem = """{"title":"Nope","status":404,"code":"webhook_not_found","requestId":"r1"}""";

        var violations = contract.Check(HttpMethod.Get, MessagesUri, null, null, 404, "application/problem+json", Problem, _ => false);

        Assert.Contains(violations, v => v.Contains("/code", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportATooManyRequestsAnswerWithoutRetryAfter()
    {
        var contract = await api.Contract.GetAsync(Ct);
        const string Problem = """{"title":"Slow down","status":429,"code":"rate_limited","requestId":"r1"}""";

        var violations = contract.Check(HttpMethod.Get, MessagesUri, null, null, 429, "application/problem+json", Problem, _ => false);

        Assert.Contains(violations, v => v.Contains("Retry-After", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReportARequestFieldTheApiShouldHaveRefused()
    {
        var contract = await api.Contract.GetAsync(Ct);
        var send = new Uri($"http://api.test/v1/conversations/{Guid.NewGuid()}/messages");
        const string Created = """{"id":"01a20a0d-e15b-7fd0-bd87-d1d9d5bec904","seq":1,"direction":"INBOUND","text":"Hi","createdAt":"2026-11-23T20:16:51.547569+00:00"}""";

        var violations = contract.Check(HttpMethod.Post, send, "application/json", """{"clientMessageId":"not-a-uuid"}""", 201,
            "application/json", Created, _ => false);

        Assert.Contains(violations, v => v.Contains("request body", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailTheTestThatReceivedTheAnswer()
    {
        var renamed = Messages.Replace("\"messages\"", "\"items\"", StringComparison.Ordinal);
        using var client = new HttpClient(new ContractValidatingHandler(api.Contract.GetAsync, new CannedAnswer(renamed)));

        var failure = await Assert.ThrowsAsync<OpenApiContractViolationException>(() => client.GetAsync(MessagesUri, Ct));

        Assert.Contains(failure.Violations, v => v.Contains("messages", StringComparison.Ordinal));
    }

    private sealed class CannedAnswer(string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
    }
}
