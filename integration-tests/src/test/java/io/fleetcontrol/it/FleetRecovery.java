package io.fleetcontrol.it;

import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How long after a node's death the fleet was whole again, two ways: every device had been heard
 * from since (as the read side on a live node says, so as fleetctl shows it: the agent has a
 * stream its entity knows), and every device entity ran again on a live node (Pekko Management's
 * shard listing). A {@code null} is "not within the limit".
 */
record FleetRecovery(Duration heard, Duration entities) {

  static FleetRecovery measure(ClusterHarness cluster, AdminServiceClient admin, String bearer, Instant killed,
      int count, List<Integer> liveNodes, Duration limit) throws InterruptedException {
    // Whole seconds on the wire; the second after the fault (a kill, a partition's heal) is the first that proves news.
    Timestamp afterKill = Timestamp.newBuilder().setSeconds(killed.getEpochSecond() + 1).build();
    Duration heard = null;
    Duration entities = null;
    while (heard == null || entities == null) {
      Duration now = Duration.between(killed, Instant.now());
      if (now.compareTo(limit) > 0) {
        break;
      }
      if (heard == null && heardSince(admin, bearer, afterKill) == count) {
        heard = now;
      }
      if (entities == null && liveNodes.stream().mapToInt(cluster::deviceEntities).sum() >= count) {
        entities = now;
      }
      Thread.sleep(200);
    }
    return new FleetRecovery(heard, entities);
  }

  private static long heardSince(AdminServiceClient admin, String bearer, Timestamp since) {
    try {
      return admin.listDevices().addHeader("authorization", bearer)
          .invoke(ListDevicesRequest.newBuilder().setLastSeenAfter(since).setPageSize(1).build())
          .toCompletableFuture().get(10, TimeUnit.SECONDS).getTotalSize();
    } catch (Exception notNow) {
      return -1;
    }
  }

  @Override
  public String toString() {
    return String.format("every device heard from again %s, every device entity running again %s after the fault",
        seconds(heard), seconds(entities));
  }

  private static String seconds(Duration d) {
    return d == null ? "not within the limit" : String.format("%.1f s", d.toMillis() / 1000.0);
  }
}
