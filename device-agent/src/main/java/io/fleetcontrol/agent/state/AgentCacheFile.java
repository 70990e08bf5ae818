package io.fleetcontrol.agent.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fleetcontrol.proto.agent.v1.AgentCache;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The agent's state on disk. Written whole to a temporary file, forced to the disk, then renamed
 * over the old one, so a crash leaves either the old cache or the new one, never half of each.
 * A header with a checksum tells a damaged file from a good one: protobuf alone would read many
 * damaged files as some other valid message.
 */
public final class AgentCacheFile {

  private static final byte[] MAGIC = "FLEET-AGENT-CACHE-1\n".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER = MAGIC.length + Long.BYTES + Integer.BYTES;
  /** A policy with two 1000-entry lists is well under this; anything bigger is damage. */
  private static final int MAX_PAYLOAD = 16 * 1024 * 1024;

  /** The cache could not be used; capture stays off until the controller sends the policy again. */
  public static final class UnreadableCacheException extends Exception {
    UnreadableCacheException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Path file;

  public AgentCacheFile(Path file) {
    this.file = file;
  }

  public Path path() {
    return file;
  }

  /** Empty when there is no cache yet (first start). */
  public java.util.Optional<AgentCache> read() throws UnreadableCacheException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException missing) {
      return java.util.Optional.empty();
    } catch (IOException e) {
      throw new UnreadableCacheException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (bytes.length < HEADER || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new UnreadableCacheException(file + " is not an agent cache (bad header)", null);
    }
    ByteBuffer header = ByteBuffer.wrap(bytes, MAGIC.length, Long.BYTES + Integer.BYTES);
    long checksum = header.getLong();
    int length = header.getInt();
    if (length < 0 || length > MAX_PAYLOAD || HEADER + length != bytes.length) {
      throw new UnreadableCacheException(
          file + " is damaged: header says " + length + " bytes, file holds " + (bytes.length - HEADER), null);
    }
    if (crc(bytes, HEADER, length) != checksum) {
      throw new UnreadableCacheException(file + " is damaged: checksum mismatch", null);
    }
    try {
      return java.util.Optional.of(AgentCache.parseFrom(ByteBuffer.wrap(bytes, HEADER, length)));
    } catch (InvalidProtocolBufferException e) {
      throw new UnreadableCacheException(file + " is damaged: " + e.getMessage(), e);
    }
  }

  public void write(AgentCache cache) throws IOException {
    byte[] payload = cache.toByteArray();
    ByteBuffer content = ByteBuffer.allocate(HEADER + payload.length);
    content.put(MAGIC).putLong(crc(payload, 0, payload.length)).putInt(payload.length).put(payload).flip();
    // Exemption comments and unsent requests are the employee's business: this user only.
    PrivateFile.write(file, content.array());
  }

  private static long crc(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return crc.getValue();
  }
}
