package dev.lidex.testserver;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;

/**
 * Starts mongo-java-server with its in-memory backend on 127.0.0.1 and the port given as the only
 * argument, prints "ready" once it listens, and stops on SIGTERM (the JVM's shutdown hook).
 *
 * <p>The library reports wire version 7 by default, which the Node.js driver 7 refuses; this one
 * reports MongoDB 6.0.0 (wire version 17). Its data lives only as long as the process.
 */
public final class Launcher {
  /** The server version this launcher reports. */
  private static final class ReportedVersion implements MongoVersion {
    @Override
    public List<Integer> getVersionArray() {
      return List.of(6, 0, 0);
    }

    @Override
    public String toVersionString() {
      return "6.0.0";
    }

    @Override
    public int getWireVersion() {
      return 17;
    }
  }

  private Launcher() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: Launcher <port>");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    MemoryBackend backend = new MemoryBackend();
    backend.version(new ReportedVersion());
    MongoServer server = new MongoServer(backend);
    server.bind("127.0.0.1", port);
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    System.out.println("mongo-java-server ready on 127.0.0.1:" + port);
    System.out.flush();
  }
}
