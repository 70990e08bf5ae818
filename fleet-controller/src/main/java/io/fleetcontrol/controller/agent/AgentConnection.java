package io.fleetcontrol.controller.agent;

import io.fleetcontrol.device.AgentPush;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.ExemptionUpdate;
import io.fleetcontrol.proto.v1.HeartbeatRequest;
import io.fleetcontrol.proto.v1.Pause;
import io.fleetcontrol.proto.v1.PauseUpdate;
import io.fleetcontrol.proto.v1.PolicyUpdate;
import io.fleetcontrol.wire.ExemptionWire;
import io.fleetcontrol.wire.PolicyWire;
import io.fleetcontrol.wire.WireTime;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The controller's end of one agent's stream, and the only writer to it: the device entity's pushes
 * (as {@code ActorRef<AgentPush>}, from any node), the answers to the agent's requests, and the end
 * of the stream all arrive here, one at a time. One small actor per connected agent, where a
 * pekko-stream graph per stream cost tens of KiB (issue 16).
 *
 * <p>Writes go out as the connection takes them; a few wait while it does not. An agent that stops
 * reading and lets more than {@code maxWaiting} pile up has its stream closed; it reconnects and the
 * entity sends it what is current.
 */
final class AgentConnection extends AbstractBehavior<Object> {

  /** The stream's inbound handler: pushes pass it on their way (it learns the heartbeat interval). */
  record Start(AgentStream stream) {}

  /** An answer to one of the agent's requests. */
  record Send(ConnectResponse response) {}

  /** Ends the stream with this status (an agent gone silent, an answer that never came, a bad message). */
  record Close(Status status) {}

  /** The agent finished its side (the stream ends normally) or the call was cancelled. */
  enum End { FINISHED, CANCELLED }

  /** The connection can take more writes. */
  enum Ready { READY }

  private final String deviceId;
  private final ServerCallStreamObserver<ConnectResponse> out;
  private final int maxWaiting;
  private final Consumer<ActorRef<AgentPush>> onStop;
  private final ArrayDeque<ConnectResponse> waiting = new ArrayDeque<>();
  private AgentStream stream;
  /** The call is over: closed here, completed, or cancelled by the agent. */
  private boolean over;

  /**
   * {@code onStop}: runs once the stream is over, however it ended, with this connection's push ref
   * (it detaches the stream from its entity).
   */
  static Behavior<Object> create(String deviceId, ServerCallStreamObserver<ConnectResponse> out, int maxWaiting,
      Consumer<ActorRef<AgentPush>> onStop) {
    return Behaviors.setup(context -> new AgentConnection(context, deviceId, out, maxWaiting, onStop));
  }

  private AgentConnection(ActorContext<Object> context, String deviceId, ServerCallStreamObserver<ConnectResponse> out,
      int maxWaiting, Consumer<ActorRef<AgentPush>> onStop) {
    super(context);
    this.deviceId = deviceId;
    this.out = out;
    this.maxWaiting = maxWaiting;
    this.onStop = onStop;
  }

  /**
   * Two cases, the messages told apart in {@link #onMessage}: a receive builder's cases are made
   * again for every connection, and ten of them were about 0.7 KB of heap per connected device.
   */
  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onAnyMessage(this::onMessage)
        .onSignal(PostStop.class, stopped -> {
          if (!over) {
            // Stopped some other way (a failure here, the node shutting down): the agent must not
            // keep a stream nothing writes to; it reconnects.
            out.onError(Status.UNAVAILABLE.withDescription("the controller ended this stream; connect again")
                .asRuntimeException());
          }
          ActorRef<AgentPush> self = getContext().getSelf().narrow();
          if (stream != null) {
            stream.end(() -> onStop.accept(self)); // no heartbeat of this stream is told after it
          } else {
            onStop.accept(self);
          }
          return this;
        })
        .build();
  }

  private Behavior<Object> onMessage(Object message) {
    if (message instanceof AgentPush push) {
      if (push instanceof AgentPush.Superseded) {
        return close(Status.ABORTED.withDescription("a newer stream for device " + deviceId + " took over"));
      } else if (push instanceof AgentPush.CredentialWithdrawn withdrawn) {
        return close(Status.UNAUTHENTICATED.withDescription(withdrawn.why()));
      }
      return send(toResponse(stream == null ? push : stream.passing(push)));
    } else if (message instanceof Send send) {
      return send(send.response());
    } else if (message == Ready.READY) {
      return drain();
    } else if (message instanceof Start start) {
      stream = start.stream();
      return this;
    } else if (message instanceof Close close) {
      return close(close.status());
    } else if (message == End.FINISHED) {
      drain();
      over = true;
      out.onCompleted();
      return Behaviors.stopped();
    } else if (message == End.CANCELLED) {
      over = true;
      return Behaviors.stopped();
    }
    return Behaviors.unhandled();
  }

  private Behavior<Object> send(ConnectResponse response) {
    if (waiting.isEmpty() && out.isReady()) {
      out.onNext(response);
      return this;
    }
    waiting.add(response);
    if (waiting.size() > maxWaiting) {
      return close(Status.RESOURCE_EXHAUSTED.withDescription("device " + deviceId + " does not read its stream: "
          + waiting.size() + " messages wait; the stream is closed, connect again"));
    }
    return this;
  }

  private Behavior<Object> drain() {
    while (!waiting.isEmpty() && out.isReady()) {
      out.onNext(waiting.poll());
    }
    return this;
  }

  private Behavior<Object> close(Status status) {
    over = true;
    out.onError(status.asRuntimeException());
    return Behaviors.stopped();
  }

  static ConnectResponse toResponse(AgentPush push) {
    var response = ConnectResponse.newBuilder();
    if (push instanceof AgentPush.HeartbeatWanted) {
      response.setHeartbeatRequest(HeartbeatRequest.getDefaultInstance());
    } else if (push instanceof AgentPush.PolicyChanged changed) {
      response.setPolicyUpdate(PolicyUpdate.newBuilder().setPolicy(PolicyWire.toProto(changed.policy())));
    } else if (push instanceof AgentPush.PauseChanged pause) {
      var update = PauseUpdate.newBuilder().setPausesLeftToday(pause.pausesLeftToday().count());
      if (pause.pauseEnd() != null) {
        update.setActivePause(Pause.newBuilder()
            .setStartTime(WireTime.toProto(pause.pauseStart()))
            .setEndTime(WireTime.toProto(pause.pauseEnd())));
      }
      response.setPauseUpdate(update);
    } else if (push instanceof AgentPush.ExemptionsChanged exemptions) {
      var update = ExemptionUpdate.newBuilder();
      exemptions.exemptions().forEach(e -> update.addExemptions(ExemptionWire.toProto(exemptions.deviceId(), e)));
      response.setExemptionUpdate(update);
    } else {
      throw new IllegalArgumentException("no wire form for " + push);
    }
    return response.build();
  }
}
