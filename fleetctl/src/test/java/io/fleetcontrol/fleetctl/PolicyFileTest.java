package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.CaptureKind;
import io.fleetcontrol.proto.v1.MeteredNetworkAction;
import io.fleetcontrol.proto.v1.Policy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The policy file format: reading, writing back, and what a bad file is told. */
class PolicyFileTest {

  static final Path EXAMPLE = Path.of("examples/policy.yaml");

  private static Policy parse(String yaml) {
    return PolicyFileMapping.toProto(PolicyFileYaml.parse(yaml));
  }

  /** The message a bad file gets, as "LINE: message" (or "-: message" without a line). */
  private static String problem(String yaml) {
    PolicyFile.FileError e = assertThrows(PolicyFile.FileError.class, () -> parse(yaml));
    return e.describe(Path.of("p.yaml")).replaceFirst("^p\\.yaml:?", "").replaceFirst("^ ", "-: ");
  }

  @Test
  void theExampleFileReadsAsWritten() {
    Policy p = PolicyFileMapping.toProto(PolicyFileYaml.read(EXAMPLE));

    assertEquals("engineering", p.getName());
    assertEquals(0, p.getVersion(), "the server assigns versions");
    assertEquals(List.of(CaptureKind.CAPTURE_KIND_POINTER, CaptureKind.CAPTURE_KIND_CLICKS,
        CaptureKind.CAPTURE_KIND_KEYSTROKES, CaptureKind.CAPTURE_KIND_MENU_SELECTIONS,
        CaptureKind.CAPTURE_KIND_SCREENSHOTS), p.getCaptureKindsList());
    assertEquals(15, p.getAllowlistCount());
    assertEquals("com.microsoft.Excel", p.getAllowlist(0).getAppId());
    assertEquals(0, p.getAllowlist(0).getKindsCount(), "no kinds: every enabled kind");
    assertEquals(List.of(CaptureKind.CAPTURE_KIND_POINTER, CaptureKind.CAPTURE_KIND_CLICKS),
        p.getAllowlist(5).getKindsList());
    assertEquals("*.atlassian.net", p.getAllowlist(7).getSitePattern());
    assertEquals(9, p.getDenylistCount());
    assertEquals("com.1password.1password", p.getDenylist(0).getAppId());
    assertEquals("mail.google.com", p.getDenylist(3).getSitePattern());
    assertEquals(1800, p.getPause().getMaxPause().getSeconds());
    assertEquals(3, p.getPause().getPausesPerDay());
    assertEquals(List.of(1, 2, 3, 4, 5), p.getSchedule().getDaysList());
    assertEquals("08:00", p.getSchedule().getStartLocalTime());
    assertEquals("18:00", p.getSchedule().getEndLocalTime());
    assertEquals(500_000_000L, p.getBandwidth().getDailyUploadCapBytes());
    assertEquals(5_000_000_000L, p.getBandwidth().getMonthlyUploadCapBytes());
    assertEquals(MeteredNetworkAction.METERED_NETWORK_ACTION_DEFER, p.getBandwidth().getMeteredNetworkAction());
    assertEquals(2_000_000L, p.getBandwidth().getUploadRateLimitBytesPerSecond());
    assertEquals(20, p.getBattery().getMinPercentUnplugged());
    assertTrue(p.getBattery().getScreenshotsOnlyWhileCharging());
    assertEquals(List.of("US"), p.getJurisdictionsList());
    assertEquals(86_400, p.getOfflineLimit().getSeconds());
    assertEquals(30, p.getHeartbeatInterval().getSeconds());
    assertTrue(p.getNoticeText().startsWith("This laptop records"), p.getNoticeText());
    assertTrue(p.getNoticeText().endsWith("ask for an exemption.\n"), "a | block keeps its last newline");
  }

  @Test
  void theExampleRoundTripsThroughItsYaml() {
    Policy fromFile = PolicyFileMapping.toProto(PolicyFileYaml.read(EXAMPLE));

    String yaml = PolicyFileYaml.write(PolicyFileMapping.fromProto(fromFile));
    Policy back = parse(yaml);

    assertEquals(fromFile, back, yaml);
    assertEquals(yaml, PolicyFileYaml.write(PolicyFileMapping.fromProto(back)), "writing is stable");
    assertTrue(yaml.contains("daily_upload_cap: 500MB"), yaml);
    assertTrue(yaml.contains("upload_rate_limit: 2MB/s"), yaml);
    assertTrue(yaml.contains("max_pause: 30m"), yaml);
    assertTrue(yaml.contains("offline_limit: 24h"), yaml);
    assertTrue(yaml.contains("- mon"), yaml);
    assertTrue(yaml.contains("notice: |"), "the notice stays a block people can edit:\n" + yaml);
  }

  @Test
  void aStoredPolicyPrintsWithItsVersionAndReadsBackWithoutIt() {
    Policy stored = PolicyFileMapping.toProto(PolicyFileYaml.read(EXAMPLE)).toBuilder()
        .setVersion(4)
        .setCreateTime(Timestamp.newBuilder().setSeconds(1_800_000_000L))
        .build();

    String yaml = PolicyFileYaml.write(PolicyFileMapping.fromProto(stored));

    assertTrue(yaml.contains("version: 4"), yaml);
    assertEquals(stored.toBuilder().clearVersion().clearCreateTime().build(), parse(yaml));
  }

  @Test
  void unsetPartsStayUnset() {
    Policy p = parse("""
        name: minimal
        pause: {pauses_per_day: 2}
        bandwidth: {daily_upload_cap: 1GB}
        """);

    assertFalse(p.getPause().hasMaxPause(), "no max_pause: the server's default applies");
    assertFalse(p.hasSchedule());
    assertFalse(p.hasBattery());
    assertFalse(p.hasOfflineLimit());
    assertEquals(MeteredNetworkAction.METERED_NETWORK_ACTION_UNSPECIFIED, p.getBandwidth().getMeteredNetworkAction());
    String yaml = PolicyFileYaml.write(PolicyFileMapping.fromProto(p));
    assertFalse(yaml.contains("max_pause"), yaml);
    assertFalse(yaml.contains("schedule"), yaml);
    assertFalse(yaml.contains("metered_network"), yaml);
    assertEquals(p, parse(yaml));
  }

  @ParameterizedTest(name = "{0} = {1} bytes")
  @CsvSource({
      "500MB, 500000000",
      "5GB, 5000000000",
      "1TB, 1000000000000",
      "64KB, 64000",
      "2MiB, 2097152",
      "1KiB, 1024",
      "3GiB, 3221225472",
      "1024, 1024",
      "'1024 B', 1024",
      "0, 0",
      "1.5GB, 1500000000",
      "500mb, 500000000",
      "'500 MB', 500000000",
      // A negative cap is the server's to refuse, with its own message.
      "-1, -1",
  })
  void sizes(String text, long bytes) {
    Policy p = parse("name: x\nbandwidth: {daily_upload_cap: " + text + "}\n");
    assertEquals(bytes, p.getBandwidth().getDailyUploadCapBytes());
  }

  @ParameterizedTest(name = "{0} = {1} bytes a second")
  @CsvSource({"2MB/s, 2000000", "2MB, 2000000", "512KiB/s, 524288", "100000, 100000", "'1 GB/s', 1000000000"})
  void rates(String text, long bytesPerSecond) {
    Policy p = parse("name: x\nbandwidth: {upload_rate_limit: " + text + "}\n");
    assertEquals(bytesPerSecond, p.getBandwidth().getUploadRateLimitBytesPerSecond());
  }

  @ParameterizedTest(name = "{0} bytes is written {1}")
  @CsvSource({
      "500000000, 500MB", "5000000000, 5GB", "2097152, 2MiB", "1024, 1KiB", "1000, 1KB",
      "1048576000, 1000MiB", "1234, 1234", "0, 0", "-5000000, -5MB"})
  void sizesAreWrittenInTheShortestExactUnit(long bytes, String text) {
    assertEquals(text, String.valueOf(PolicyValues.Bytes.format(bytes, "")));
    Policy p = Policy.newBuilder().setName("x")
        .setBandwidth(io.fleetcontrol.proto.v1.BandwidthRules.newBuilder().setDailyUploadCapBytes(bytes)).build();
    assertEquals(p, parse(PolicyFileYaml.write(PolicyFileMapping.fromProto(p))), "reads back");
  }

  @ParameterizedTest(name = "{0} = {1}s + {2}ns")
  @CsvSource({
      "30s, 30, 0", "5m, 300, 0", "24h, 86400, 0", "7d, 604800, 0", "1h30m, 5400, 0",
      "500ms, 0, 500000000", "PT30S, 30, 0", "PT1H, 3600, 0", "P1D, 86400, 0"})
  void durations(String text, long seconds, int nanos) {
    Policy p = parse("name: x\nheartbeat_interval: " + text + "\n");
    assertEquals(seconds, p.getHeartbeatInterval().getSeconds());
    assertEquals(nanos, p.getHeartbeatInterval().getNanos());
  }

  @ParameterizedTest(name = "{0}s is written {1}")
  @CsvSource({"30, 30s", "1800, 30m", "86400, 24h", "172800, 2d", "5400, 1h30m", "90, 1m30s", "0, 0s"})
  void durationsAreWrittenAsOpsWriteThem(long seconds, String text) {
    assertEquals(text, Durations.format(java.time.Duration.ofSeconds(seconds)));
  }

  @Test
  void everyKindHasItsWord() {
    Policy p = parse("name: x\ncapture_kinds: [pointer, clicks, keystrokes, menu_selections, clipboard, screenshots]\n");
    assertEquals(List.of(CaptureKind.CAPTURE_KIND_POINTER, CaptureKind.CAPTURE_KIND_CLICKS,
        CaptureKind.CAPTURE_KIND_KEYSTROKES, CaptureKind.CAPTURE_KIND_MENU_SELECTIONS,
        CaptureKind.CAPTURE_KIND_CLIPBOARD, CaptureKind.CAPTURE_KIND_SCREENSHOTS), p.getCaptureKindsList());
    assertTrue(PolicyFileYaml.write(PolicyFileMapping.fromProto(p)).contains("- menu_selections"));
    assertEquals(List.of(CaptureKind.CAPTURE_KIND_MENU_SELECTIONS),
        parse("name: x\ncapture_kinds: [Menu-Selections]\n").getCaptureKindsList(), "as people may type it");
  }

  @Test
  void daysAreMondayOneToSundaySeven() {
    Policy p = parse("name: x\nschedule: {days: [mon, tue, wed, thu, fri, sat, sun], start: '8:00', end: '18:30'}\n");

    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), p.getSchedule().getDaysList());
    assertEquals("08:00", p.getSchedule().getStartLocalTime(), "8:00 is read as 08:00");
    assertEquals("18:30", p.getSchedule().getEndLocalTime());
    assertEquals(List.of(1, 7), parse("name: x\nschedule: {days: [Monday, SUN]}\n").getSchedule().getDaysList());
    assertTrue(PolicyFileYaml.write(PolicyFileMapping.fromProto(p)).contains("- sun"));
    assertEquals("08:00:30", parse("name: x\nschedule: {start: '08:00:30'}\n").getSchedule().getStartLocalTime(),
        "seconds, as the server may print them back");
  }

  @Test
  void meteredNetworkWords() {
    for (MeteredNetworkAction action : List.of(MeteredNetworkAction.METERED_NETWORK_ACTION_DEFER,
        MeteredNetworkAction.METERED_NETWORK_ACTION_BLOCK, MeteredNetworkAction.METERED_NETWORK_ACTION_ALLOW)) {
      String word = action.name().substring("METERED_NETWORK_ACTION_".length()).toLowerCase();
      Policy p = parse("name: x\nbandwidth: {metered_network: " + word + "}\n");
      assertEquals(action, p.getBandwidth().getMeteredNetworkAction());
      assertTrue(PolicyFileYaml.write(PolicyFileMapping.fromProto(p)).contains("metered_network: " + word));
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      name: x\\npause: {max: 3m}                      | 2: unknown key 'pause.max' (expected one of: max_pause, pauses_per_day)
      name: x\\ncolour: blue                          | 2: unknown key 'colour'
      name: x\\nallowlist:\\n  - ap: slack            | 3: unknown key 'allowlist[0].ap' (expected one of: app, kinds, site)
      name: x\\ncapture_kinds: [pointer, mouse]       | 2: capture_kinds[1]: 'mouse' is not a capture kind
      name: x\\nallowlist:\\n  - app: a\\n    kinds: [nope] | 4: allowlist[0].kinds[0]: 'nope' is not a capture kind
      name: x\\nbandwidth:\\n  daily_upload_cap: lots | 3: bandwidth.daily_upload_cap: 'lots' is not a size
      name: x\\nbandwidth: {monthly_upload_cap: 5XB}  | 2: bandwidth.monthly_upload_cap: '5XB' is not a size
      name: x\\nbandwidth: {daily_upload_cap: 1.5B}   | 2: bandwidth.daily_upload_cap: '1.5B' is not a whole number of bytes
      name: x\\nbandwidth: {daily_upload_cap: 99999999999TB} | 2: bandwidth.daily_upload_cap: '99999999999TB' is too large
      name: x\\nbandwidth: {upload_rate_limit: 2MB/h} | 2: bandwidth.upload_rate_limit: '2MB/h' is not a rate
      name: x\\nbandwidth: {metered_network: maybe}   | 2: bandwidth.metered_network: 'maybe' is not defer, block or allow
      name: x\\noffline_limit: soon                   | 2: offline_limit: 'soon' is not a duration
      name: x\\nheartbeat_interval: 30                | 2: heartbeat_interval: '30' needs a unit
      name: x\\npause: {max_pause: 30 minutes}        | 2: pause.max_pause: '30 minutes' is not a duration
      name: x\\nschedule: {days: [someday]}           | 2: schedule.days[0]: 'someday' is not a day
      name: x\\nschedule: {days: [mon], start: '25:00'} | 2: schedule.start: '25:00' is not a time of day HH:MM
      name: x\\nschedule: {end: noon}                 | 2: schedule.end: 'noon' is not a time of day HH:MM
      name: x\\nbattery: {min_percent_unplugged: 20.5} | 2: battery.min_percent_unplugged: '20.5' is not a whole number
      name: x\\nbattery: {min_percent_unplugged: lots} | 2: battery.min_percent_unplugged: 'lots' is not a whole number
      name: x\\nbattery: {screenshots_only_while_charging: maybe} | 2: battery.screenshots_only_while_charging: 'maybe' is not true or false
      name: x\\npause: 30m                            | 2: pause must be a mapping of keys such as 'max_pause: ..., pauses_per_day: ...'
      name: x\\ncapture_kinds: pointer                | 2: capture_kinds must be a list
      name: x\\nname: y                               | 2: duplicate key 'name'
      name: x\\npause:\\n  max_pause: 1m\\n  max_pause: 2m | 4: duplicate key 'pause.max_pause'
      name: x\\n  bad: : indent                       | 2: not valid YAML
      - a                                             | 1: the file must be a mapping
      name: x\\n---\\nname: y                         | 3: the file holds more than one YAML document
      jurisdictions: [US]                             | -: name is required
      name: x\\nallowlist:\\n  - {app: a, site: b.com} | 3: allowlist[0] needs exactly one of app or site
      name: x\\ndenylist:\\n  - app: a\\n  - kinds: [clicks] | 4: denylist[1] needs exactly one of app or site
      name: x\\ncapture_kinds: [pointer, ~]          | 2: capture_kinds[1] is empty
      name: x\\npause:\\n  max_pauses: 30m\\n\\n      | 3: unknown key 'pause.max_pauses'
      name: x\\nallowlist:\\n  - app: a\\n  - app: b\\n    kind: [clicks]\\n  - app: c\\nnotice: hi | 5: unknown key 'allowlist[1].kind'
      """)
  void badFilesNameTheKeyAndLine(String yaml, String expected) {
    String problem = problem(yaml.replace("\\n", "\n"));
    assertTrue(problem.startsWith(expected), "expected '" + expected + "...', got '" + problem + "'");
    assertFalse(problem.contains("\n"), "one line: " + problem);
  }

  @Test
  void anEmptyOrMissingFileIsNamed() {
    assertEquals("-: the file is empty; it needs at least a name", problem("\n"));
    PolicyFile.FileError missing = assertThrows(PolicyFile.FileError.class,
        () -> PolicyFileYaml.read(Path.of("no/such/policy.yaml")));
    assertEquals("no/such/policy.yaml: no such file", missing.describe(Path.of("no/such/policy.yaml")));
  }

  @Test
  void theVersionKeyIsAcceptedAndIgnored() {
    assertEquals(0, parse("name: x\nversion: 7\n").getVersion());
    assertNull(PolicyFileYaml.parse("name: x\nversion: 7\n").withoutVersion().version());
  }

  @Test
  void lineDiffMarksEachLine() {
    assertEquals(List.of(" a", "-b", " c", "+d"), LineDiff.diff(List.of("a", "b", "c"), List.of("a", "c", "d")));
  }

  @Test
  void unifiedDiffKeepsThreeLinesOfContextAndSplitsDistantChanges() {
    List<String> left = List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15");
    List<String> right = left.stream().map(l -> l.equals("2") ? "two" : l.equals("14") ? "fourteen" : l).toList();

    List<String> hunks = LineDiff.unified(left, right, 3);

    assertEquals(List.of(
        "@@ -1,5 +1,5 @@", " 1", "-2", "+two", " 3", " 4", " 5",
        "@@ -11,5 +11,5 @@", " 11", " 12", " 13", "-14", "+fourteen", " 15"), hunks);
    assertEquals(List.of(), LineDiff.unified(left, left, 3), "equal: no hunks");
    assertEquals(List.of("@@ -0,0 +1 @@", "+a"), LineDiff.unified(List.of(), List.of("a"), 3));
  }

  @Test
  void nearbyChangesShareAHunk() {
    List<String> left = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    List<String> right = List.of("a", "B", "c", "d", "e", "f", "G", "h");

    List<String> hunks = LineDiff.unified(left, right, 3);

    assertEquals("@@ -1,8 +1,8 @@", hunks.get(0));
    assertEquals(1, hunks.stream().filter(l -> l.startsWith("@@")).count(), String.join("\n", hunks));
  }

  @Test
  void daysInPlainWords() {
    assertEquals("mon-fri", PolicyWords.days(List.of(1, 2, 3, 4, 5)));
    assertEquals("mon, wed, fri", PolicyWords.days(List.of(5, 3, 1)));
    assertEquals("sat, sun", PolicyWords.days(List.of(6, 7)));
    assertEquals("mon-wed, sat, sun", PolicyWords.days(List.of(1, 2, 3, 6, 7)));
  }
}
