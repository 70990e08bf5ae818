package io.fleetcontrol.agent.gate;

import io.fleetcontrol.agent.localapi.FramedClient;
import io.fleetcontrol.proto.agent.v1.GateAnswer;
import io.fleetcontrol.proto.agent.v1.GateCall;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A capture tool's end of {@link GateSocket}, for tools on the JVM and as the reference for other
 * languages: keep one connection, send a call, read its answer. Not thread-safe; one per thread.
 */
public final class GateSocketClient implements AutoCloseable {

  private final FramedClient connection;

  private GateSocketClient(FramedClient connection) {
    this.connection = connection;
  }

  public static GateSocketClient connect(Path socket) throws IOException {
    return new GateSocketClient(FramedClient.connect(socket));
  }

  public GateAnswer call(GateCall call) throws IOException {
    return connection.call(call.toByteArray(), GateAnswer.parser());
  }

  @Override
  public void close() throws IOException {
    connection.close();
  }
}
