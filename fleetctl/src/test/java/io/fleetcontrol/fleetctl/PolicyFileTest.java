package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.proto.v1.CaptureKind;
import io.fleetcontrol.proto.v1.MeteredNetworkAction;
import io.fleetcontrol.proto.v1.Policy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyFileTest {

  private static final Path EXAMPLE = Path.of("examples/policy.yaml");

  @Test
  void theExampleFileReadsAsWritten() {
    Policy p = PolicyFile.read(EXAMPLE);
    assertEquals("engineering", p.getName());
    assertEquals(15, p.getAllowlistCount());
    assertEquals(9, p.getDenylistCount());
    assertEquals(List.of(CaptureKind.CAPTURE_KIND_POINTER, CaptureKind.CAPTURE_KIND_CLICKS),
        p.getAllowlist(5).getKindsList());
    assertEquals("*.atlassian.net", p.getAllowlist(7).getSitePattern());
    assertEquals(1800, p.getPause().getMaxPause().getSeconds());
    assertEquals(3, p.getPause().getPausesPerDay());
    assertEquals(List.of(1, 2, 3, 4, 5), p.getSchedule().getDaysList());
    assertEquals("08:00", p.getSchedule().getStartLocalTime());
    assertEquals(500_000_000L, p.getBandwidth().getDailyUploadCapBytes());
    assertEquals(5_000_000_000L, p.getBandwidth().getMonthlyUploadCapBytes());
    assertEquals(2_000_000L, p.getBandwidth().getUploadRateLimitBytesPerSecond());
    assertEquals(MeteredNetworkAction.METERED_NETWORK_ACTION_DEFER, p.getBandwidth().getMeteredNetworkAction());
    assertEquals(86400, p.getOfflineLimit().getSeconds());
    assertTrue(p.getNoticeText().startsWith("This laptop records"));
  }

  @Test
  void whatGetPrintsAsYamlReadsBackToTheSamePolicy() {
    Policy p = PolicyFile.read(EXAMPLE);
    assertEquals(p, PolicyFile.parse(PolicyFile.toYaml(p)));
    Policy stored = p.toBuilder().setVersion(4).build();
    assertEquals(p, PolicyFile.parse(PolicyFile.toYaml(stored)), "the version is the server's, not the file's");
  }

  @Test
  void unitsOfSizesAndDurations() {
    Policy p = PolicyFile.parse("""
        name: x
        bandwidth: {daily_upload_cap: 2MiB, monthly_upload_cap: 1GB, upload_rate_limit: 64KiB/s}
        pause: {max_pause: PT90S}
        offline_limit: 2d
        heartbeat_interval: 500ms
        """);
    assertEquals(2L << 20, p.getBandwidth().getDailyUploadCapBytes());
    assertEquals(1_000_000_000L, p.getBandwidth().getMonthlyUploadCapBytes());
    assertEquals(64L << 10, p.getBandwidth().getUploadRateLimitBytesPerSecond());
    assertEquals(90, p.getPause().getMaxPause().getSeconds());
    assertEquals(172_800, p.getOfflineLimit().getSeconds());
    assertEquals(500_000_000, p.getHeartbeatInterval().getNanos());
  }

  @Test
  void badFilesNameTheKey() {
    assertEquals("unknown key 'pause.max' (known: [max_pause, pauses_per_day])",
        assertThrows(PolicyFile.FileError.class, () -> PolicyFile.parse("name: x\npause: {max: 3m}\n")).getMessage());
    assertTrue(assertThrows(PolicyFile.FileError.class, () -> PolicyFile.parse("name: x\ncapture_kinds: [mouse]\n"))
        .getMessage().startsWith("capture_kinds: 'mouse' is not a capture kind"));
    assertTrue(assertThrows(PolicyFile.FileError.class,
        () -> PolicyFile.parse("name: x\nbandwidth: {daily_upload_cap: lots}\n")).getMessage()
        .startsWith("bandwidth.daily_upload_cap"));
    assertTrue(assertThrows(PolicyFile.FileError.class, () -> PolicyFile.parse("name: x\noffline_limit: soon\n"))
        .getMessage().startsWith("offline_limit"));
    assertTrue(assertThrows(PolicyFile.FileError.class,
        () -> PolicyFile.parse("name: x\nschedule: {days: [someday], start: '08:00', end: '18:00'}\n")).getMessage()
        .startsWith("schedule.days"));
    assertTrue(assertThrows(PolicyFile.FileError.class,
        () -> PolicyFile.parse("name: x\nallowlist:\n  - app: a\n    site: b.com\n")).getMessage()
        .startsWith("allowlist[0]"));
    assertEquals("name is required", assertThrows(PolicyFile.FileError.class, () -> PolicyFile.parse("jurisdictions: [US]\n")).getMessage());
  }

  @Test
  void lineDiffShowsWhatChanged() {
    List<String> d = LineDiff.diff(List.of("a", "b", "c"), List.of("a", "c", "d"));
    assertEquals(List.of(" a", "-b", " c", "+d"), d);
  }
}
