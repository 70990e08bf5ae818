package io.fleetcontrol.controller.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.controller.readside.DeviceStore;
import io.fleetcontrol.controller.cluster.ProbeEntities;
import io.fleetcontrol.controller.grpc.PageTokens;
import io.fleetcontrol.controller.readside.InMemoryAuditStore;
import io.fleetcontrol.controller.readside.InMemoryDeviceStore;
import io.fleetcontrol.controller.readside.InMemoryExemptionStore;
import io.fleetcontrol.controller.readside.KnownDevices;
import io.fleetcontrol.controller.readside.TestClock;
import io.fleetcontrol.controller.security.AdminTokens;
import io.fleetcontrol.policy.DeviceIdentity;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.grpc.GrpcServiceException;

/**
 * What the admin facades stand on in unit tests: the in-memory read side, probes for entities, a
 * clock moved by hand, and a local actor system (no cluster, no Cassandra).
 */
final class AdminFixture {

  static final Instant NOW = Instant.parse("2025-03-10T09:00:00Z");
  static final Duration ASK = Duration.ofSeconds(3);
  static final AdminTokens.Caller VIEWER = new AdminTokens.Caller("vera", AdminTokens.Role.VIEWER);
  static final AdminTokens.Caller APPROVER = new AdminTokens.Caller("alice", AdminTokens.Role.APPROVER);

  final TestClock clock = new TestClock(NOW);
  final InMemoryDeviceStore devices = new InMemoryDeviceStore(clock);
  final InMemoryExemptionStore exemptions = new InMemoryExemptionStore();
  final InMemoryAuditStore audit = new InMemoryAuditStore();
  /** Answers from the device store only: the journal index knows no more devices. */
  final KnownDevices known = new KnownDevices(devices, id -> CompletableFuture.completedFuture(false));
  final PageTokens pageTokens = new PageTokens("test-page-token-secret");
  final ProbeEntities entities;

  AdminFixture(ActorTestKit kit) {
    this.entities = new ProbeEntities(kit);
  }

  static ActorTestKit testKit() {
    return ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local"));
  }

  void enroll(String deviceId) {
    devices.update(DeviceStore.RowChange.enrolled(new DeviceIdentity(deviceId, "ada", "DE", Map.of(), "1.0.0", "UTC"), NOW))
        .toCompletableFuture().join();
  }

  /** The call's status code, whether it refused at once or in its answer. */
  static Status.Code refusal(Supplier<CompletionStage<?>> call) {
    GrpcServiceException e = assertThrows(GrpcServiceException.class, () -> {
      try {
        call.get().toCompletableFuture().join();
      } catch (CompletionException failed) {
        throw failed.getCause();
      }
    });
    return e.getStatus().getCode();
  }

  static void assertRefused(Status.Code expected, Supplier<CompletionStage<?>> call) {
    assertEquals(expected, refusal(call));
  }

  static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }
}
