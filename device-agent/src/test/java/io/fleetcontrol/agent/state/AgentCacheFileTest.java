package io.fleetcontrol.agent.state;

import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.link.AgentWire;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.proto.agent.v1.AgentCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentCacheFileTest {

  private static final Instant NOW = Instant.parse("2026-11-23T14:00:00Z");

  @TempDir Path dir;

  @Test
  void aMissingCacheIsNoCacheNotAnError() throws Exception {
    assertEquals(Optional.empty(), new AgentCacheFile(dir.resolve("cache.bin")).read());
  }

  @Test
  void whatIsWrittenReadsBackWholeIncludingUnsentRequests() throws Exception {
    AgentCacheFile file = new AgentCacheFile(dir.resolve("state/cache.bin"));
    AgentState state = new AgentState(
        Policy.starter("default", 4),
        NOW.minusSeconds(30),
        new io.fleetcontrol.policy.PolicyVersion("default", 4),
        new EmployeeControls(Optional.of(new ActivePause(NOW, NOW.plusSeconds(600))), new io.fleetcontrol.policy.PausesLeft(2),
            List.of(new ExemptionRecord("ex-1", ExemptionScope.NO_SCREENSHOTS, ExemptionReason.BANDWIDTH, "calls",
                ExemptionStatus.APPROVED, NOW.minusSeconds(3600), NOW.plusSeconds(86_400), "hr", "", NOW))),
        new AgentState.LocalPause("req-9", NOW, NOW.plusSeconds(900), false));
    UploadCounters uploads = new UploadCounters(LocalDate.parse("2026-11-23"), 1234, YearMonth.parse("2026-11"), 98765);
    List<EmployeeRequest> unsent = List.of(
        new EmployeeRequest.Pause("req-9", NOW, Duration.ofMinutes(15)),
        new EmployeeRequest.Exemption("req-10", NOW, ExemptionScope.FULL, ExemptionReason.SENSITIVE_WORK, "payroll"),
        new EmployeeRequest.AcknowledgeNotice("req-11", NOW, new io.fleetcontrol.policy.PolicyVersion("default", 4)));

    file.write(AgentWire.toCache("laptop-1", state, uploads, unsent));
    AgentWire.Cached back = AgentWire.fromCache(file.read().orElseThrow());

    assertEquals(state, back.state());
    assertEquals(uploads, back.uploads());
    assertEquals(unsent, back.unsent());
    assertFalse(Files.exists(dir.resolve("state/cache.bin.tmp")), "the temporary file is renamed, not left");
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(dir.resolve("state/cache.bin"))), "the employee's business only");
  }

  @Test
  void aFlippedByteFailsAuthentication() throws Exception {
    Path path = dir.resolve("cache.bin");
    new AgentCacheFile(path).write(cacheWithPolicy());
    byte[] bytes = Files.readAllBytes(path);
    bytes[bytes.length - 5] ^= 0x01;
    Files.write(path, bytes);

    var failure = assertThrows(AgentCacheFile.UnreadableCacheException.class, () -> new AgentCacheFile(path).read());
    assertTrue(failure.getMessage().contains("failed authentication"), failure.getMessage());
  }

  @Test
  void aTruncatedOrForeignFileIsUnreadable() throws Exception {
    Path path = dir.resolve("cache.bin");
    new AgentCacheFile(path).write(cacheWithPolicy());
    byte[] bytes = Files.readAllBytes(path);
    Files.write(path, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThrows(AgentCacheFile.UnreadableCacheException.class, () -> new AgentCacheFile(path).read());

    Files.writeString(path, "{\"policy\": \"not ours\"}");
    var failure = assertThrows(AgentCacheFile.UnreadableCacheException.class, () -> new AgentCacheFile(path).read());
    assertTrue(failure.getMessage().contains("bad header"), failure.getMessage());
  }

  @Test
  void aRewriteReplacesTheOldCache() throws Exception {
    AgentCacheFile file = new AgentCacheFile(dir.resolve("cache.bin"));
    file.write(cacheWithPolicy());
    file.write(AgentCache.newBuilder().setDeviceId("laptop-1").setNoticeAcknowledged(io.fleetcontrol.proto.v1.PolicyVersion.newBuilder().setPolicyName("default").setVersion(9)).build());
    assertEquals(9, file.read().orElseThrow().getNoticeAcknowledged().getVersion());
    assertFalse(file.read().orElseThrow().hasPolicy());
  }

  @Test
  void aCacheRewrittenWithoutTheKeyIsRefusedAndSoIsOneFromBeforeTheKey() throws Exception {
    Path path = dir.resolve("cache.bin");
    new AgentCacheFile(path).write(cacheWithPolicy());
    AgentCache permissive = TamperedCaches.allowingEverything(new AgentCacheFile(path).read().orElseThrow());

    Files.write(path, TamperedCaches.authenticatedWithAnotherKey(permissive));
    var forged = assertThrows(AgentCacheFile.UnreadableCacheException.class, () -> new AgentCacheFile(path).read());
    assertTrue(forged.getMessage().contains("failed authentication"), forged.getMessage());

    Files.write(path, TamperedCaches.withChecksumOnly(permissive));
    var old = assertThrows(AgentCacheFile.UnreadableCacheException.class, () -> new AgentCacheFile(path).read());
    assertTrue(old.getMessage().contains("without authentication"), old.getMessage());
  }

  @Test
  void theKeyIsTheAgentsOwnAndACacheWithoutItIsNotTrusted() throws Exception {
    Path path = dir.resolve("state/cache.bin");
    new AgentCacheFile(path).write(cacheWithPolicy());
    Path key = dir.resolve("state/cache.key");
    assertEquals(32, Files.size(key));
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

    // Another agent's cache, copied in whole, does not verify under this agent's key.
    Path other = dir.resolve("other/cache.bin");
    new AgentCacheFile(other).write(cacheWithPolicy());
    Files.copy(other, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThrows(AgentCacheFile.UnreadableCacheException.class, () -> new AgentCacheFile(path).read());

    new AgentCacheFile(path).write(cacheWithPolicy());
    Files.delete(key);
    var keyless = assertThrows(AgentCacheFile.UnreadableCacheException.class, () -> new AgentCacheFile(path).read());
    assertTrue(keyless.getMessage().contains("missing"), keyless.getMessage());

    // The next write makes a new key, and what it writes reads back.
    AgentCacheFile file = new AgentCacheFile(path);
    file.write(cacheWithPolicy());
    assertTrue(file.read().orElseThrow().hasPolicy());
    assertTrue(new AgentCacheFile(path).read().orElseThrow().hasPolicy(), "read again by a new start");
  }

  private static AgentCache cacheWithPolicy() {
    return AgentWire.toCache("laptop-1", AgentState.EMPTY.withPolicy(Policy.starter("default", 1)),
        UploadCounters.EMPTY, List.of());
  }
}
