package io.fleetcontrol.it;

import io.fleetcontrol.proto.v1.AgentServiceClient;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.PolicyAck;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * One device's Connect stream driven by hand, so a test controls exactly what goes up and sees
 * everything that comes down, in order.
 */
final class RawAgentStream implements AutoCloseable {

  final BlockingQueue<ConnectResponse> received = new LinkedBlockingQueue<>();
  private final java.util.List<ConnectResponse> pending = new java.util.ArrayList<>();
  private final BoundedSourceQueue<ConnectRequest> up;
  private final AtomicInteger requestIds = new AtomicInteger();
  /** Completes when the controller ends the stream (failed with its status) or the test closes it. */
  final java.util.concurrent.CompletionStage<org.apache.pekko.Done> ended;

  RawAgentStream(AgentServiceClient client, ActorSystem<?> system, String deviceId, String credential) {
    Pair<BoundedSourceQueue<ConnectRequest>, Source<ConnectRequest, org.apache.pekko.NotUsed>> queue =
        Source.<ConnectRequest>queue(64).preMaterialize(system);
    up = queue.first();
    ended = client.connect()
        .addHeader("x-fleet-device-id", deviceId)
        .addHeader("authorization", "Bearer " + credential)
        .invoke(queue.second())
        .runWith(Sink.foreach(received::add), system);
  }

  /** Sends a request and returns its id, for matching the RequestAck. */
  String send(ConnectRequest.Builder request) {
    String id = "r" + requestIds.incrementAndGet();
    up.offer(request.setRequestId(id).build());
    return id;
  }

  /**
   * The earliest message down that matches and was not taken yet; others stay for later calls,
   * since pushes and acks may arrive in either order.
   */
  ConnectResponse next(Predicate<ConnectResponse> wanted, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      received.drainTo(pending);
      for (var it = pending.iterator(); it.hasNext(); ) {
        ConnectResponse message = it.next();
        if (wanted.test(message)) {
          it.remove();
          return message;
        }
      }
      long left = deadline - System.nanoTime();
      ConnectResponse message = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
      if (message == null) {
        throw new AssertionError("no matching message from the controller within " + timeout
            + "; unmatched: " + pending);
      }
      pending.add(message);
    }
  }

  /** The ack of request {@code id}. */
  ConnectResponse ackOf(String id) throws InterruptedException {
    return next(r -> r.hasRequestAck() && r.getRequestAck().getRequestId().equals(id), Duration.ofSeconds(15));
  }

  /** Waits for the pushed policy and acks it, as an agent does. */
  io.fleetcontrol.proto.v1.PolicyVersion applyPolicy() throws InterruptedException {
    var policy = next(ConnectResponse::hasPolicyUpdate, Duration.ofSeconds(15)).getPolicyUpdate().getPolicy();
    var version = io.fleetcontrol.proto.v1.PolicyVersion.newBuilder()
        .setPolicyName(policy.getName()).setVersion(policy.getVersion()).build();
    String id = send(ConnectRequest.newBuilder().setPolicyAck(PolicyAck.newBuilder().setPolicy(version)));
    ConnectResponse ack = ackOf(id);
    if (!ack.getRequestAck().getAccepted()) {
      throw new AssertionError("policy ack refused: " + ack.getRequestAck().getMessage());
    }
    return version;
  }

  @Override
  public void close() {
    try {
      up.complete();
    } catch (IllegalStateException alreadyEnded) {
      // The controller ended the stream first (a refused or revoked credential).
    }
  }
}
