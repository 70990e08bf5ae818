package io.fleetcontrol.agent.link;

import io.fleetcontrol.proto.v1.AgentServiceClient;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.GrpcResponseMetadata;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/** One Connect call for one device: a queue for what goes up, callbacks for what comes down. */
public final class ControllerStream {

  public static final String DEVICE_ID_HEADER = "x-fleet-device-id";
  public static final String AUTHORIZATION_HEADER = "authorization";

  /** Heartbeats and acks are small and rare; a full buffer means the stream is stuck, not busy. */
  private static final int UPWARD_BUFFER = 32;

  private final BoundedSourceQueue<ConnectRequest> upward;
  private final UniqueKillSwitch killSwitch;
  private volatile boolean closedByAgent;

  private ControllerStream(BoundedSourceQueue<ConnectRequest> upward, UniqueKillSwitch killSwitch) {
    this.upward = upward;
    this.killSwitch = killSwitch;
  }

  /**
   * Opens the call. The callbacks run on stream threads; {@code onEnded} gets null when the
   * controller completed the stream, and is not called for an end the agent asked for.
   */
  public static ControllerStream open(
      AgentServiceClient client,
      String deviceId,
      String credential,
      Materializer materializer,
      Runnable onOpened,
      Consumer<ControllerMessage> onMessage,
      Consumer<Throwable> onEnded) {
    Pair<BoundedSourceQueue<ConnectRequest>, Source<ConnectRequest, NotUsed>> up =
        Source.<ConnectRequest>queue(UPWARD_BUFFER).preMaterialize(materializer);
    Source<ConnectResponse, CompletionStage<GrpcResponseMetadata>> down =
        client
            .connect()
            .addHeader(DEVICE_ID_HEADER, deviceId)
            .addHeader(AUTHORIZATION_HEADER, "Bearer " + credential)
            .invokeWithMetadata(up.second());
    Pair<Pair<CompletionStage<GrpcResponseMetadata>, UniqueKillSwitch>, CompletionStage<Done>> running =
        down.viaMat(KillSwitches.single(), Keep.both())
            .map(AgentWire::fromProto)
            .toMat(Sink.foreach(onMessage::accept), Keep.both())
            .run(materializer);

    ControllerStream stream = new ControllerStream(up.first(), running.first().second());
    // Response headers mean the controller took the call (it may still refuse it in the trailers).
    running.first().first().thenRun(onOpened);
    running
        .second()
        .whenComplete(
            (done, failure) -> {
              if (!stream.closedByAgent) {
                onEnded.accept(failure);
              }
            });
    return stream;
  }

  /** False when the buffer is full or the stream is gone; the caller decides whether that matters. */
  public boolean send(ConnectRequest request) {
    return upward.offer(request).isEnqueued();
  }

  /** Cancels the call; the listener hears nothing more about the end it asked for. */
  public void close() {
    closedByAgent = true;
    killSwitch.shutdown();
    try {
      upward.complete();
    } catch (IllegalStateException alreadyEnded) {
      // The call ended on its own just before; nothing left to close.
    }
  }
}
