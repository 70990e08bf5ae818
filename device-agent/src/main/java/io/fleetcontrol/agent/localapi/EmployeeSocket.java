package io.fleetcontrol.agent.localapi;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.proto.agent.v1.EmployeeAnswer;
import io.fleetcontrol.proto.agent.v1.EmployeeCall;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;

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

  private final FramedSocket socket;

  private EmployeeSocket(FramedSocket socket) {
    this.socket = socket;
  }

  /**
   * Listens on {@code path} for {@code employee}'s calls, replacing a stale socket file. Without an
   * employee page: open_page is answered FAILED_PRECONDITION.
   */
  public static EmployeeSocket start(DeviceAgent agent, Path path, String employee, int maxMessageBytes)
      throws IOException {
    return start(new EmployeeApi(agent), path, employee, maxMessageBytes);
  }

  /** As above, answering through {@code api}, which the employee page may share. */
  public static EmployeeSocket start(EmployeeApi api, Path path, String employee, int maxMessageBytes)
      throws IOException {
    return start(api, path, employee, FramedSocket.Limits.withMaxMessageBytes(maxMessageBytes));
  }

  static EmployeeSocket start(EmployeeApi api, Path path, String employee, FramedSocket.Limits limits)
      throws IOException {
    boolean agentIsTheEmployee = employee.equals(System.getProperty("user.name"));
    return new EmployeeSocket(FramedSocket.start("employee", path, agentIsTheEmployee ? "rw-------" : "rw-rw-rw-",
        new Controls(new EmployeeCalls(api), employee), limits));
  }

  public Path path() {
    return socket.path();
  }

  /** Every call checked against the employee's account first. */
  record Controls(EmployeeCalls calls, String employee) implements FramedSocket.Service {

    @Override
    public String refuses(String peer) {
      return employee.equals(peer) ? null : "only the laptop's employee (" + employee
          + ") may use these controls; this call came from "
          + (peer.isEmpty() ? "an account the system did not name" : peer);
    }

    @Override
    public EmployeeAnswer answer(byte[] call) {
      try {
        return calls.answer(EmployeeCall.parseFrom(call));
      } catch (InvalidProtocolBufferException e) {
        return refusal(Status.Code.INVALID_ARGUMENT, "call: not an EmployeeCall (" + e.getMessage() + ")");
      }
    }

    @Override
    public EmployeeAnswer refusal(Status.Code code, String message) {
      return EmployeeCalls.refusal(code, message);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
