package io.contrastream.connectors.format;

/**
 * An input record that cannot be used; the message is the dead-letter reason.
 *
 * <pre>{@code
 * try { codec.decode(bytes); } catch (FormatException e) { deadLetters.add(e.getMessage()); }
 * }</pre>
 */
public final class FormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public FormatException(String reason) {
        super(reason);
    }
}
