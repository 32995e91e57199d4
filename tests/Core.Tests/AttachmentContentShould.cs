using System.Text;
using OmniChat.Core.Attachments;

namespace OmniChat.Core.Tests;

/// <summary>What an upload's first bytes are, whether that agrees with its declared type, and the name it is stored under.</summary>
public sealed class AttachmentContentShould
{
    [Theory]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0 }, "image/png")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10 }, "image/jpeg")]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0 }, "image/gif")]
    [InlineData(new byte[] { 0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x45, 0x42, 0x50, 0x56 }, "image/webp")]
    [InlineData(new byte[] { 0x25, 0x50, 0x44, 0x46, 0x2D, 0x31 }, "application/pdf")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0 }, "application/zip")]
    public void KnowFilesByTheirMagicNumbers(byte[] head, string expected) => Assert.Equal(expected, AttachmentContent.Sniff(head, complete: false));

    [Theory]
    [InlineData("Hello, Grüße 👋", "text/plain")]
    [InlineData("  <!DOCTYPE html><p>hi", "text/html")]
    [InlineData("<svg onload=alert(1)>", "text/html")]
    [InlineData("<?xml version=\"1.0\"?><x/>", "text/html")]
    public void TellPlainTextFromMarkup(string text, string expected) => Assert.Equal(expected, AttachmentContent.Sniff(Encoding.UTF8.GetBytes(text), complete: true));

    [Fact]
    public void TakeNoBinaryOrBrokenUtf8ForText()
    {
        Assert.Null(AttachmentContent.Sniff("a\0b"u8, complete: true));
        Assert.Null(AttachmentContent.Sniff([0x61, 0xC3, 0x28], complete: true));
        Assert.Null(AttachmentContent.Sniff([], complete: true));
    }

    [Fact]
    public void AcceptAHeadCutInsideACharacterOnlyWhenMoreFollows()
    {
        var cut = Encoding.UTF8.GetBytes("abc👋")[..5];

        Assert.Equal("text/plain", AttachmentContent.Sniff(cut, complete: false));
        Assert.Null(AttachmentContent.Sniff(cut, complete: true));
    }

    [Theory]
    [InlineData("image/png", "image/png", "image/png")]
    [InlineData("image/png", "image/jpeg", "image/png")]
    [InlineData("image/png", null, "image/png")]
    [InlineData("image/png", "application/octet-stream", "image/png")]
    [InlineData("text/plain", "text/csv; charset=utf-8", "text/plain")]
    [InlineData("application/zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    [InlineData("application/zip", "application/zip", "application/zip")]
    [InlineData("text/html", "image/png", null)]
    [InlineData("text/plain", "image/png", null)]
    [InlineData("text/plain", "text/html", null)]
    [InlineData("application/pdf", "image/jpeg", null)]
    [InlineData("application/zip", "application/pdf", null)]
    [InlineData("image/png", "text/plain", null)]
    public void StoreTheSniffedTypeOnlyWhenTheDeclarationAgrees(string sniffed, string? declared, string? expected) =>
        Assert.Equal(expected, AttachmentContent.Reconcile(sniffed, declared));

    [Theory]
    [InlineData("report.pdf", "report.pdf")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\ann\\cv.pdf", "cv.pdf")]
    [InlineData("a<b>c:d|e?.txt", "a_b_c_d_e_.txt")]
    [InlineData("evil\u202Egpj.exe", "evil_gpj.exe")]
    [InlineData("line\r\nbreak.txt", "line__break.txt")]
    [InlineData("...", "file")]
    [InlineData("", "file")]
    [InlineData(null, "file")]
    public void SanitiseFileNames(string? given, string expected) => Assert.Equal(expected, AttachmentFileName.Sanitize(given));

    [Fact]
    public void CutLongNamesKeepingTheExtension()
    {
        var name = AttachmentFileName.Sanitize(new string('x', 400) + ".pdf");

        Assert.Equal(AttachmentFileName.MaxLength, name.Length);
        Assert.EndsWith(".pdf", name, StringComparison.Ordinal);
    }
}
