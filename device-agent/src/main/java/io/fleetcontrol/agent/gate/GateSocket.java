package io.fleetcontrol.agent.gate;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fleetcontrol.agent.localapi.FramedSocket;
import io.fleetcontrol.agent.localapi.LocalApi;
import io.fleetcontrol.agent.localapi.LocalApiServices;
import io.fleetcontrol.proto.agent.v1.GateAnswer;
import io.fleetcontrol.proto.agent.v1.GateCall;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.pekko.grpc.GrpcServiceException;

/**
 * The gate's fast path for capture tools on this laptop: a Unix domain socket in the agent's state
 * directory, {@link GateCall}s in, {@link GateAnswer}s out, in order ({@link FramedSocket}). It asks
 * the two questions a capture tool has and nothing else. The socket file's mode is the access
 * control (no token): this account only, or also a group of capture tools.
 */
public final class GateSocket implements AutoCloseable {

  private final FramedSocket socket;

  private GateSocket(FramedSocket socket) {
    this.socket = socket;
  }

  /**
   * Listens on {@code path}, replacing a stale socket file an earlier run left behind; calls over
   * {@code maxMessageBytes} (the setting {@value LocalApi#MAX_MESSAGE_BYTES_SETTING}) are refused.
   */
  public static GateSocket start(CaptureGate gate, Path path, int maxMessageBytes) throws IOException {
    return start(gate, path, FramedSocket.Limits.withMaxMessageBytes(maxMessageBytes));
  }

  /**
   * As above, and members of {@code group} may ask too (the file 0660 in that group): the capture
   * tool's group where the agent runs as its own system user. Empty: this account only.
   */
  public static GateSocket start(CaptureGate gate, Path path, String group, int maxMessageBytes) throws IOException {
    return start(gate, path, group, FramedSocket.Limits.withMaxMessageBytes(maxMessageBytes));
  }

  static GateSocket start(CaptureGate gate, Path path, FramedSocket.Limits limits) throws IOException {
    return start(gate, path, "", limits);
  }

  static GateSocket start(CaptureGate gate, Path path, String group, FramedSocket.Limits limits) throws IOException {
    return new GateSocket(FramedSocket.start("gate", path, group.isEmpty() ? "rw-------" : "rw-rw----", group,
        new Questions(gate), limits));
  }

  public Path path() {
    return socket.path();
  }

  /** The capture tool's two questions. */
  private record Questions(CaptureGate gate) implements FramedSocket.Service {

    @Override
    public GateAnswer answer(byte[] call) {
      try {
        return answer(GateCall.parseFrom(call));
      } catch (InvalidProtocolBufferException e) {
        return refusal(Status.Code.INVALID_ARGUMENT, "call: not a GateCall (" + e.getMessage() + ")");
      }
    }

    GateAnswer answer(GateCall call) {
      try {
        return switch (call.getCallCase()) {
          case CHECK_CAPTURE -> GateAnswer.newBuilder()
              .setCheckCapture(LocalApiServices.checkCapture(gate, call.getCheckCapture())).build();
          case REPORT_UPLOAD -> GateAnswer.newBuilder()
              .setReportUpload(LocalApiServices.reportUpload(gate, call.getReportUpload())).build();
          case CALL_NOT_SET -> refusal(Status.Code.INVALID_ARGUMENT, "call: set check_capture or report_upload");
        };
      } catch (GrpcServiceException refused) {
        Status status = refused.getStatus();
        return refusal(status.getCode(), status.getDescription());
      }
    }

    @Override
    public GateAnswer refusal(Status.Code code, String message) {
      return GateAnswer.newBuilder().setError(LocalApi.error(code, message)).build();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
