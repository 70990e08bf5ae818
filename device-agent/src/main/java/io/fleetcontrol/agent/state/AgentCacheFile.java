package io.fleetcontrol.agent.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fleetcontrol.proto.agent.v1.AgentCache;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The agent's state on disk. Written whole to a temporary file, forced to the disk, then renamed
 * over the old one, so a crash leaves either the old cache or the new one, never half of each.
 *
 * <p>The cache holds the policy the gate enforces offline, so it is authenticated: an HMAC-SHA256
 * under a random key kept beside it ({@code cache.key}, readable by the agent's user only). A file
 * edited by hand, or written without that key, reads as unusable, exactly as a damaged one does:
 * no policy, so no capture, until the controller sends the policy again. This protects the policy
 * where the agent runs as its own system user; an agent run as the employee (the per-user mode)
 * shares its key with everything that user runs. A cache from before the HMAC (format 1) is
 * refused the same way: it could have been written by anyone who could write the file.
 */
public final class AgentCacheFile {

  private static final byte[] MAGIC = "FLEET-AGENT-CACHE-2\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] UNAUTHENTICATED_MAGIC = "FLEET-AGENT-CACHE-1\n".getBytes(StandardCharsets.US_ASCII);
  private static final String MAC = "HmacSHA256";
  private static final int MAC_BYTES = 32;
  private static final int KEY_BYTES = 32;
  private static final int HEADER = MAGIC.length + MAC_BYTES + Integer.BYTES;
  /** A policy with two 1000-entry lists is well under this; anything bigger is damage. */
  private static final int MAX_PAYLOAD = 16 * 1024 * 1024;

  /** The cache could not be used; capture stays off until the controller sends the policy again. */
  public static final class UnreadableCacheException extends Exception {
    UnreadableCacheException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Path file;
  private final Path keyFile;
  private byte[] key;

  /** The key is {@code cache.key} in the same directory. */
  public AgentCacheFile(Path file) {
    this.file = file;
    this.keyFile = file.resolveSibling("cache.key");
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
    if (startsWith(bytes, UNAUTHENTICATED_MAGIC)) {
      throw new UnreadableCacheException(file + " was written without authentication (an older agent, or by hand)", null);
    }
    if (bytes.length < HEADER || !startsWith(bytes, MAGIC)) {
      throw new UnreadableCacheException(file + " is not an agent cache (bad header)", null);
    }
    ByteBuffer header = ByteBuffer.wrap(bytes, MAGIC.length, MAC_BYTES + Integer.BYTES);
    byte[] mac = new byte[MAC_BYTES];
    header.get(mac);
    int length = header.getInt();
    if (length < 0 || length > MAX_PAYLOAD || HEADER + length != bytes.length) {
      throw new UnreadableCacheException(
          file + " is damaged: header says " + length + " bytes, file holds " + (bytes.length - HEADER), null);
    }
    byte[] key = existingKey();
    if (!MessageDigest.isEqual(mac, mac(key, length, bytes, HEADER))) {
      throw new UnreadableCacheException(
          file + " failed authentication: damaged, edited, or not written by this agent", null);
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
    content.put(MAGIC).put(mac(keyForWriting(), payload.length, payload, 0)).putInt(payload.length).put(payload);
    // Exemption comments and unsent requests are the employee's business: this user only.
    PrivateFile.write(file, content.array());
  }

  /** The key a cache on disk was written with; a cache without its key cannot be trusted. */
  private byte[] existingKey() throws UnreadableCacheException {
    try {
      byte[] read = keyOnDisk();
      if (read == null) {
        throw new UnreadableCacheException("the cache's key " + keyFile + " is missing or not a key: the cache cannot be trusted", null);
      }
      return read;
    } catch (IOException e) {
      throw new UnreadableCacheException("cannot read the cache's key " + keyFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * The key to write with: the one on disk, or a new one when there is none (or what is there is
   * not a key). A key that cannot be read now (permissions, a failing disk) fails the write rather
   * than be replaced, which would make the cache on disk unreadable for nothing.
   */
  private byte[] keyForWriting() throws IOException {
    byte[] existing = keyOnDisk();
    if (existing != null) {
      return existing;
    }
    byte[] fresh = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(fresh);
    PrivateFile.write(keyFile, fresh);
    key = fresh;
    return key;
  }

  /** The key, read once; null when there is none, or the file there is not a key. */
  private byte[] keyOnDisk() throws IOException {
    if (key != null) {
      return key;
    }
    try {
      byte[] read = Files.readAllBytes(keyFile);
      if (read.length != KEY_BYTES) {
        return null;
      }
      key = read;
      return key;
    } catch (NoSuchFileException missing) {
      return null;
    }
  }

  /** Over the format and the length too, so neither can be swapped under a valid payload. */
  private static byte[] mac(byte[] key, int length, byte[] bytes, int offset) {
    try {
      Mac mac = Mac.getInstance(MAC);
      mac.init(new SecretKeySpec(key, MAC));
      mac.update(MAGIC);
      mac.update(ByteBuffer.allocate(Integer.BYTES).putInt(length).array());
      mac.update(bytes, offset, length);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }
}
