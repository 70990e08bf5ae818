package io.fleetcontrol.controller.cluster;

import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * When a node leaves the cluster, the device entities it hosted start again elsewhere on their next
 * message. The agents whose streams live on this node did not notice: their heartbeats told to the
 * dead node were lost, and the next one may be a whole interval away. So once the dead node's shards
 * can be placed again (after the downing provider's removal margin), this node tells every entity
 * of its open streams that the stream is still there, a few times in case placement takes longer.
 */
public final class StreamsAfterNodeLoss {

  /** After the removal margin: when to announce, a few times in case placing the shards takes longer. */
  static final List<Duration> ROUNDS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofSeconds(10));

  private record Removed(ClusterEvent.MemberRemoved event) {}

  private record AnnounceDue(int round) {}

  private StreamsAfterNodeLoss() {}

  public static Behavior<Object> create(Runnable announceOpenStreams, Duration removalMargin) {
    return Behaviors.setup(context -> {
      Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.MemberRemoved.class, Removed::new), ClusterEvent.MemberRemoved.class));
      return Behaviors.withTimers(timers -> Behaviors.receive(Object.class)
          .onMessage(Removed.class, removed -> {
            context.getLog().info("{} left the cluster; announcing this node's open agent streams to their "
                + "devices {} after the removal margin of {}", removed.event().member().address(), ROUNDS, removalMargin);
            for (int round = 0; round < ROUNDS.size(); round++) {
              // One key per round: a second removal restarts the rounds rather than adding more.
              timers.startSingleTimer("round-" + round, new AnnounceDue(round), removalMargin.plus(ROUNDS.get(round)));
            }
            return Behaviors.same();
          })
          .onMessage(AnnounceDue.class, due -> {
            announceOpenStreams.run();
            return Behaviors.same();
          })
          .build());
    });
  }
}
