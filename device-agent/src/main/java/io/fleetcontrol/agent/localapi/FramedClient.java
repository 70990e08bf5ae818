package io.fleetcontrol.agent.localapi;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Parser;
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
 * The client's end of a {@link FramedSocket}: keep one connection, send a call, read its answer.
 * Not thread-safe; one per thread.
 */
public final class FramedClient implements AutoCloseable {

  private final Path socket;
  private final SocketChannel channel;
  private final InputStream in;
  private final OutputStream out;

  private FramedClient(Path socket, SocketChannel channel) {
    this.socket = socket;
    this.channel = channel;
    this.in = new BufferedInputStream(Channels.newInputStream(channel));
    this.out = new BufferedOutputStream(Channels.newOutputStream(channel));
  }

  public static FramedClient connect(Path socket) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    return new FramedClient(socket, channel);
  }

  /** Any bytes as one call (a varint length, then the bytes), and the answer. */
  public <A> A call(byte[] call, Parser<A> answers) throws IOException {
    try {
      CodedOutputStream framed = CodedOutputStream.newInstance(out);
      framed.writeUInt32NoTag(call.length);
      framed.writeRawBytes(call);
      framed.flush();
      out.flush();
    } catch (IOException writeFailed) {
      // The agent answers and closes without reading a call it refuses (too large, too many
      // connections): its answer, already sent, says why better than a broken pipe.
      A refusal = answerAlreadySent(answers);
      if (refusal == null) {
        throw writeFailed;
      }
      return refusal;
    }
    A answer = answers.parseDelimitedFrom(in);
    if (answer == null) {
      throw new EOFException("the agent closed " + socket);
    }
    return answer;
  }

  private <A> A answerAlreadySent(Parser<A> answers) {
    try {
      return answers.parseDelimitedFrom(in);
    } catch (IOException nothingThere) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
