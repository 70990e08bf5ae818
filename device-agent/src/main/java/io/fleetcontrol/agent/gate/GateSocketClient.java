package io.fleetcontrol.agent.gate;

import io.fleetcontrol.proto.agent.v1.GateAnswer;
import io.fleetcontrol.proto.agent.v1.GateCall;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A capture tool's end of {@link GateSocket}, for tools on the JVM and as the reference for other
 * languages: keep one connection, send a call, read its answer. Not thread-safe; one per thread.
 */
public final class GateSocketClient implements AutoCloseable {

  private final SocketChannel channel;
  private final InputStream in;
  private final OutputStream out;

  private GateSocketClient(SocketChannel channel) {
    this.channel = channel;
    this.in = new BufferedInputStream(Channels.newInputStream(channel));
    this.out = new BufferedOutputStream(Channels.newOutputStream(channel));
  }

  public static GateSocketClient connect(Path socket) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(socket));
    return new GateSocketClient(channel);
  }

  public GateAnswer call(GateCall call) throws IOException {
    try {
      call.writeDelimitedTo(out);
      out.flush();
    } catch (IOException writeFailed) {
      // The agent answers and closes without reading a call it refuses (too large, too many
      // connections): its answer, already sent, says why better than a broken pipe.
      GateAnswer refusal = answerAlreadySent();
      if (refusal == null) {
        throw writeFailed;
      }
      return refusal;
    }
    GateAnswer answer = GateAnswer.parseDelimitedFrom(in);
    if (answer == null) {
      throw new EOFException("the agent closed the gate socket");
    }
    return answer;
  }

  private GateAnswer answerAlreadySent() {
    try {
      return GateAnswer.parseDelimitedFrom(in);
    } catch (IOException nothingThere) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
