package io.contrastream.flink;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Collects the INFO+ messages of some loggers in this JVM (the MiniCluster's tasks log here), e.g.
 * the trainer's {@code snapshot|restore ... state_sha256=} lines.
 *
 * <pre>{@code
 * LogLines lines = LogLines.capture("io.contrastream.flink.operator.KeyedTrainerOperator");
 * assertThat(lines.matching("trainer restore:")).hasSize(1);
 * }</pre>
 */
final class LogLines {
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private LogLines() {}

    static LogLines capture(String... loggers) {
        LogLines out = new LogLines();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        AbstractAppender appender = new AbstractAppender("capture-" + System.identityHashCode(out), null, null, true,
                Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                out.lines.add(event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        for (String name : loggers) {
            LoggerConfig lc = config.getLoggerConfig(name);
            if (!lc.getName().equals(name)) { // no config of its own yet: give it one that still goes to the parents
                lc = new LoggerConfig(name, Level.INFO, true);
                config.addLogger(name, lc);
            }
            lc.setLevel(Level.INFO);
            lc.addAppender(appender, Level.INFO, null);
        }
        ctx.updateLoggers();
        return out;
    }

    /** The lines so far that contain {@code text}, in order. */
    List<String> matching(String text) {
        return lines.stream().filter(l -> l.contains(text)).toList();
    }

    void clear() {
        lines.clear();
    }
}
