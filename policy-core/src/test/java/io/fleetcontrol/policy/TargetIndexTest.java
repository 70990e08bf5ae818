package io.fleetcontrol.policy;

import static io.fleetcontrol.policy.TargetIndex.NO_MATCH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How a request's app or host finds its list entry. */
class TargetIndexTest {

  private static int site(TargetIndex index, String host) {
    return index.match(CaptureRequest.onSite(CaptureKind.CLICKS, host));
  }

  private static int app(TargetIndex index, String appId) {
    return index.match(CaptureRequest.inApp(CaptureKind.CLICKS, appId));
  }

  @Test
  void anExactSiteMatchesThatHostOnly() {
    TargetIndex index = new TargetIndex(List.of(TargetRule.site("example.com")));
    assertEquals(0, site(index, "example.com"));
    assertEquals(NO_MATCH, site(index, "a.example.com"));
    assertEquals(NO_MATCH, site(index, "notexample.com"));
    assertEquals(NO_MATCH, site(index, "example.co"));
  }

  @Test
  void aWildcardMatchesEverySubdomainButNotTheDomainItself() {
    TargetIndex index = new TargetIndex(List.of(TargetRule.site("*.example.com")));
    assertEquals(0, site(index, "a.example.com"));
    assertEquals(0, site(index, "a.b.example.com"));
    assertEquals(NO_MATCH, site(index, "example.com"));
    assertEquals(NO_MATCH, site(index, "badexample.com"));
    assertEquals(NO_MATCH, site(index, "example.com.evil.net"));
    assertEquals(NO_MATCH, site(index, "com"));
  }

  @Test
  void hostsCompareWithoutCaseAndWithoutTheTrailingDot() {
    TargetIndex index = new TargetIndex(List.of(TargetRule.site("example.com"), TargetRule.site("*.corp.net")));
    assertEquals(0, site(index, "Example.COM"));
    assertEquals(0, site(index, "example.com."));
    assertEquals(1, site(index, "Wiki.Corp.NET."));
    assertEquals(NO_MATCH, site(index, "corp.net."));
  }

  @Test
  void appIdsCompareExactlyWithoutCase() {
    TargetIndex index = new TargetIndex(List.of(TargetRule.app("com.microsoft.Excel")));
    assertEquals(0, app(index, "com.microsoft.Excel"));
    assertEquals(0, app(index, "COM.MICROSOFT.EXCEL"));
    assertEquals(NO_MATCH, app(index, "com.microsoft"));
    assertEquals(NO_MATCH, app(index, "com.microsoft.Excel2"));
    assertEquals(NO_MATCH, app(index, "com.microsoft.Excel."));
  }

  @Test
  void appsMatchAppEntriesAndHostsMatchSiteEntries() {
    TargetIndex index = new TargetIndex(List.of(TargetRule.app("example.com"), TargetRule.site("slack.com")));
    assertEquals(0, app(index, "example.com"));
    assertEquals(NO_MATCH, site(index, "example.com"));
    assertEquals(1, site(index, "slack.com"));
    assertEquals(NO_MATCH, app(index, "slack.com"));
  }

  @Test
  void anEntryMatchesOnlyTheKindsItCovers() {
    TargetIndex index = new TargetIndex(List.of(
        TargetRule.app("slack", CaptureKind.CLICKS),
        TargetRule.app("slack", CaptureKind.KEYSTROKES, CaptureKind.CLICKS)));
    assertEquals(0, index.match(CaptureRequest.inApp(CaptureKind.CLICKS, "slack")));
    assertEquals(1, index.match(CaptureRequest.inApp(CaptureKind.KEYSTROKES, "slack")));
    assertEquals(NO_MATCH, index.match(CaptureRequest.inApp(CaptureKind.SCREENSHOTS, "slack")));
  }

  @Test
  void aWildcardForTheKindAnswersWhenTheExactEntryDoesNotCoverIt() {
    TargetIndex index = new TargetIndex(List.of(
        TargetRule.site("docs.example.com", CaptureKind.CLICKS), TargetRule.site("*.example.com")));
    assertEquals(0, index.match(CaptureRequest.onSite(CaptureKind.CLICKS, "docs.example.com")));
    assertEquals(1, index.match(CaptureRequest.onSite(CaptureKind.SCREENSHOTS, "docs.example.com")));
  }

  @Test
  void theNearestWildcardAnswersFirst() {
    TargetIndex index = new TargetIndex(List.of(TargetRule.site("*.example.com"), TargetRule.site("*.b.example.com")));
    assertEquals(1, site(index, "a.b.example.com"));
    assertEquals(0, site(index, "a.c.example.com"));
  }

  @Test
  void nothingMatchesARequestWithoutTargetOrAnEmptyList() {
    TargetIndex index = new TargetIndex(List.of(TargetRule.site("*.example.com")));
    assertEquals(NO_MATCH, index.match(new CaptureRequest(CaptureKind.CLICKS, null, null)));
    assertEquals(NO_MATCH, site(new TargetIndex(List.of()), "a.example.com"));
    assertEquals(NO_MATCH, site(index, ""));
    assertEquals(NO_MATCH, site(index, "."));
  }
}
