package io.fleetcontrol.agent.localapi;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.proto.agent.v1.EmployeeAnswer;
import io.fleetcontrol.proto.agent.v1.EmployeeCall;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.grpc.GrpcServiceException;

/**
 * The employee's controls on this laptop: {@link EmployeeCall}s in, {@link EmployeeAnswer}s out, on
 * a Unix domain socket ({@link FramedSocket}) that answers one account only, the laptop's employee,
 * as the kernel names the caller (SO_PEERCRED). Any other account (a capture tool running as its
 * own user, holding the local API token or not) is answered PERMISSION_DENIED as it connects, and
 * the connection is closed before any call is read: nothing changes, and it takes no place from the
 * employee. Where the agent runs as the employee, the socket file is this
 * user's only; where it runs as its own system user, the file is open to every local account and
 * the caller's name is the access control.
 */
public final class EmployeeSocket implements AutoCloseable {

  /** Longer than an employee request waits for the controller, so that wait decides the answer. */
  private static final Duration ANSWER_LIMIT = EmployeeApi.CONTROLLER_ANSWER_WAIT.plusSeconds(5);

  private final FramedSocket socket;

  private EmployeeSocket(FramedSocket socket) {
    this.socket = socket;
  }

  /** Listens on {@code path} for {@code employee}'s calls, replacing a stale socket file. */
  public static EmployeeSocket start(DeviceAgent agent, Path path, String employee, int maxMessageBytes)
      throws IOException {
    return start(new EmployeeApi(agent), path, employee, FramedSocket.Limits.withMaxMessageBytes(maxMessageBytes));
  }

  static EmployeeSocket start(EmployeeApi api, Path path, String employee, FramedSocket.Limits limits)
      throws IOException {
    boolean agentIsTheEmployee = employee.equals(System.getProperty("user.name"));
    return new EmployeeSocket(FramedSocket.start("employee", path, agentIsTheEmployee ? "rw-------" : "rw-rw-rw-",
        new Controls(api, employee), limits));
  }

  public Path path() {
    return socket.path();
  }

  /** Every call checked against the employee's account first. */
  record Controls(EmployeeApi api, String employee) implements FramedSocket.Service {

    @Override
    public String refuses(String peer) {
      return employee.equals(peer) ? null : "only the laptop's employee (" + employee
          + ") may use these controls; this call came from "
          + (peer.isEmpty() ? "an account the system did not name" : peer);
    }

    @Override
    public EmployeeAnswer answer(byte[] call) {
      try {
        return answer(EmployeeCall.parseFrom(call));
      } catch (InvalidProtocolBufferException e) {
        return refusal(Status.Code.INVALID_ARGUMENT, "call: not an EmployeeCall (" + e.getMessage() + ")");
      }
    }

    private EmployeeAnswer answer(EmployeeCall call) {
      EmployeeAnswer.Builder out = EmployeeAnswer.newBuilder();
      try {
        return switch (call.getCallCase()) {
          case GET_STATUS -> await(api.getStatus(call.getGetStatus()), out::setGetStatus);
          case GET_POLICY -> await(api.getPolicy(call.getGetPolicy()), out::setGetPolicy);
          case START_PAUSE -> await(api.startPause(call.getStartPause()), out::setStartPause);
          case END_PAUSE -> await(api.endPause(call.getEndPause()), out::setEndPause);
          case REQUEST_EXEMPTION -> await(api.requestExemption(call.getRequestExemption()), out::setRequestExemption);
          case LIST_EXEMPTIONS -> await(api.listExemptions(call.getListExemptions()), out::setListExemptions);
          case ACKNOWLEDGE_NOTICE -> await(api.acknowledgeNotice(call.getAcknowledgeNotice()), out::setAcknowledgeNotice);
          case CALL_NOT_SET -> refusal(Status.Code.INVALID_ARGUMENT, "call: set one of get_status, get_policy, "
              + "start_pause, end_pause, request_exemption, list_exemptions, acknowledge_notice");
        };
      } catch (GrpcServiceException refused) {
        return refusal(refused.getStatus().getCode(), refused.getStatus().getDescription());
      }
    }

    private static <R> EmployeeAnswer await(CompletionStage<R> response, Function<R, EmployeeAnswer.Builder> into) {
      try {
        return into.apply(response.toCompletableFuture().get(ANSWER_LIMIT.toMillis(), TimeUnit.MILLISECONDS)).build();
      } catch (ExecutionException | CompletionException failed) {
        if (failed.getCause() instanceof GrpcServiceException refused) {
          throw refused;
        }
        throw new GrpcServiceException(Status.INTERNAL.withDescription(String.valueOf(failed.getCause())));
      } catch (TimeoutException e) {
        throw new GrpcServiceException(Status.UNAVAILABLE.withDescription("the agent did not answer within "
            + ANSWER_LIMIT.toSeconds() + " s; the request may still be recorded: check fleet-agent status before "
            + "asking again"));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GrpcServiceException(Status.UNAVAILABLE.withDescription("the agent is stopping"));
      }
    }

    @Override
    public EmployeeAnswer refusal(Status.Code code, String message) {
      return EmployeeAnswer.newBuilder().setError(LocalApi.error(code, message)).build();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
