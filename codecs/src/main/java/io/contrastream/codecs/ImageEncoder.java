package io.contrastream.codecs;

import io.contrastream.connectors.format.avro.ImageEncoding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.model.augment.image.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import javax.imageio.ImageIO;

/**
 * Encodes decoded images as {@link ImageRecord}s (PNG, lossless), as producers send them.
 *
 * <pre>{@code
 * ImageRecord rec = ImageEncoder.png("img-17", "fashion-mnist", now, image, 3);
 * }</pre>
 */
public final class ImageEncoder {
    private ImageEncoder() {}

    public static ImageRecord png(String id, String source, long eventTime, Image img, Integer label) {
        return ImageRecord.newBuilder().setId(id).setSource(source).setEventTime(java.time.Instant.ofEpochMilli(eventTime))
                .setEncoding(ImageEncoding.PNG).setWidth(img.width).setHeight(img.height).setChannels(img.channels)
                .setBytes(ByteBuffer.wrap(pngBytes(img))).setLabel(label).build();
    }

    public static byte[] pngBytes(Image img) {
        BufferedImage out = new BufferedImage(img.width, img.height,
                img.channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.height; y++) {
            for (int x = 0; x < img.width; x++) {
                if (img.channels == 1) {
                    out.getRaster().setSample(x, y, 0, toByte(img.get(0, y, x)));
                } else {
                    out.setRGB(x, y, (toByte(img.get(0, y, x)) << 16) | (toByte(img.get(1, y, x)) << 8)
                            | toByte(img.get(2, y, x)));
                }
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(out, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static int toByte(float v) {
        return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
    }
}
