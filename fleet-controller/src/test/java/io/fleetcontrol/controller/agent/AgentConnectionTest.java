package io.fleetcontrol.controller.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.device.AgentPush;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.RequestAck;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The one writer to an agent's stream: order, waiting while the connection is full, and every way it ends. */
class AgentConnectionTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void writesInOrderWhileTheConnectionTakesThem() {
    var out = new RecordingCall(true);
    TestProbe<ActorRef<AgentPush>> stopped = testKit.createTestProbe();
    ActorRef<Object> connection = testKit.spawn(AgentConnection.create("dev-1", out, 4, stopped.getRef()::tell));

    connection.tell(new AgentPush.HeartbeatWanted("dev-1"));
    connection.tell(new AgentConnection.Send(ack("r-1")));
    connection.tell(new AgentPush.Superseded("dev-1"));

    assertEquals(connection.narrow(), stopped.receiveMessage(), "the stream's end is reported with its push ref");
    assertEquals(List.of("heartbeat", "ack r-1"), out.written());
    assertEquals(Status.Code.ABORTED, out.error.getCode(), "a newer stream took over");
    assertTrue(out.error.getDescription().contains("dev-1"), out.error.getDescription());
  }

  @Test
  void writesWaitWhileTheConnectionIsFullAndGoOutInOrderWhenItIsReady() {
    var out = new RecordingCall(false);
    TestProbe<ActorRef<AgentPush>> stopped = testKit.createTestProbe();
    ActorRef<Object> connection = testKit.spawn(AgentConnection.create("dev-2", out, 4, stopped.getRef()::tell));

    connection.tell(new AgentConnection.Send(ack("r-1")));
    connection.tell(new AgentConnection.Send(ack("r-2")));
    // Closing is processed after the two: by then nothing was written, the connection never took any.
    connection.tell(new AgentConnection.Close(Status.UNAVAILABLE));
    stopped.receiveMessage();
    assertEquals(List.of(), out.written(), "nothing is written while the connection is not ready");
    assertEquals(Status.Code.UNAVAILABLE, out.error.getCode());

    var ready = new RecordingCall(false);
    ActorRef<Object> second = testKit.spawn(AgentConnection.create("dev-2", ready, 4, stopped.getRef()::tell));
    second.tell(new AgentConnection.Send(ack("r-1")));
    second.tell(new AgentConnection.Send(ack("r-2")));
    ready.ready = true;
    second.tell(AgentConnection.Ready.READY);
    second.tell(new AgentConnection.Send(ack("r-3")));
    second.tell(AgentConnection.End.FINISHED);
    stopped.receiveMessage();
    assertEquals(List.of("ack r-1", "ack r-2", "ack r-3"), ready.written());
    assertTrue(ready.completed, "the agent finished its side: the stream ends normally");
    assertNull(ready.error);
  }

  @Test
  void anAgentThatDoesNotReadHasItsStreamClosed() {
    var out = new RecordingCall(false);
    TestProbe<ActorRef<AgentPush>> stopped = testKit.createTestProbe();
    ActorRef<Object> connection = testKit.spawn(AgentConnection.create("dev-3", out, 2, stopped.getRef()::tell));
    for (int i = 1; i <= 3; i++) {
      connection.tell(new AgentConnection.Send(ack("r-" + i)));
    }
    stopped.receiveMessage();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, out.error.getCode());
    assertEquals(List.of(), out.written());
  }

  @Test
  void aCancelledCallIsLeftAsItIs() {
    var out = new RecordingCall(true);
    TestProbe<ActorRef<AgentPush>> stopped = testKit.createTestProbe();
    ActorRef<Object> connection = testKit.spawn(AgentConnection.create("dev-4", out, 2, stopped.getRef()::tell));
    connection.tell(AgentConnection.End.CANCELLED);
    stopped.receiveMessage();
    assertNull(out.error);
    assertTrue(!out.completed, "nothing is sent on a cancelled call");
  }

  @Test
  void aConnectionStoppedAnyOtherWayEndsTheCallSoTheAgentReconnects() {
    var out = new RecordingCall(true);
    TestProbe<ActorRef<AgentPush>> stopped = testKit.createTestProbe();
    ActorRef<Object> connection = testKit.spawn(AgentConnection.create("dev-5", out, 2, stopped.getRef()::tell));
    testKit.stop(connection);
    stopped.receiveMessage();
    assertEquals(Status.Code.UNAVAILABLE, out.error.getCode(), "the agent must not keep a stream nothing writes to");
  }

  private static ConnectResponse ack(String requestId) {
    return ConnectResponse.newBuilder().setRequestAck(RequestAck.newBuilder().setRequestId(requestId).setAccepted(true))
        .build();
  }

  /** A call that records what was written to it; {@code ready} says whether it takes writes. */
  private static final class RecordingCall extends ServerCallStreamObserver<ConnectResponse> {
    private final List<ConnectResponse> written = new CopyOnWriteArrayList<>();
    volatile boolean ready;
    volatile Status error;
    volatile boolean completed;

    RecordingCall(boolean ready) {
      this.ready = ready;
    }

    List<String> written() {
      return written.stream().map(r -> r.hasHeartbeatRequest() ? "heartbeat" : "ack " + r.getRequestAck().getRequestId())
          .toList();
    }

    @Override
    public void onNext(ConnectResponse value) {
      written.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
      completed = true;
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}
  }
}
