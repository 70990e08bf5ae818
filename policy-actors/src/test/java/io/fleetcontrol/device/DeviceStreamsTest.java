package io.fleetcontrol.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A device's streams: pushes go to the newest, the one it replaced goes once the newest speaks. */
class DeviceStreamsTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Duration QUIET = Duration.ofMillis(100);

  private DeviceStreams streams;
  private TestProbe<AgentPush> first;
  private TestProbe<AgentPush> second;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    streams = new DeviceStreams("d1");
    first = testKit.createTestProbe();
    second = testKit.createTestProbe();
  }

  @Test
  void pushesGoToTheNewestStreamAndTheReplacedOneGoesWhenTheNewestSpeaks() {
    streams.attach(first.ref());
    streams.attach(second.ref());
    streams.push(new AgentPush.HeartbeatWanted("d1"));
    second.expectMessage(new AgentPush.HeartbeatWanted("d1"));
    first.expectNoMessage(QUIET);

    streams.currentIsAlive();
    first.expectMessage(new AgentPush.Superseded("d1"));
    streams.currentIsAlive();
    first.expectNoMessage(QUIET);
  }

  @Test
  void adoptingTheReplacedStreamKeepsItOpen() {
    streams.attach(first.ref());
    streams.attach(second.ref()); // a late attach from a stream the agent gave up
    streams.adopt(first.ref()); // the agent speaks through the first one
    assertTrue(streams.isCurrent(first.ref()));
    streams.currentIsAlive();
    first.expectNoMessage(QUIET);
    second.expectNoMessage(QUIET);
  }

  @Test
  void aDetachedStreamIsForgotten() {
    streams.attach(first.ref());
    streams.detach(first.ref());
    assertFalse(streams.isCurrent(first.ref()));
    streams.push(new AgentPush.HeartbeatWanted("d1"));
    first.expectNoMessage(QUIET);
  }

  @Test
  void withdrawingEndsEveryStreamWithTheReason() {
    streams.attach(first.ref());
    streams.attach(second.ref());
    streams.withdraw("an admin revoked device d1");
    first.expectMessage(new AgentPush.CredentialWithdrawn("d1", "an admin revoked device d1"));
    second.expectMessage(new AgentPush.CredentialWithdrawn("d1", "an admin revoked device d1"));
    streams.push(new AgentPush.HeartbeatWanted("d1"));
    second.expectNoMessage(QUIET);
  }

  @Test
  void supersedingEndsTheCurrentStream() {
    streams.attach(first.ref());
    streams.supersede();
    first.expectMessage(new AgentPush.Superseded("d1"));
    assertEquals(false, streams.isCurrent(first.ref()));
  }
}
