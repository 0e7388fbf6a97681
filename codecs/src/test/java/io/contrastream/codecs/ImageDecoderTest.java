package io.contrastream.codecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.contrastream.connectors.format.avro.ImageEncoding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.model.augment.image.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Valid images decode to the same pixels; each kind of bad input is refused with its reason. */
class ImageDecoderTest {
    final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);

    static Image gradient(int c, int h, int w) {
        Image img = Image.zeros(c, h, w);
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    img.set(ch, y, x, ((x * 7 + y * 13 + ch * 50) % 256) / 255f);
                }
            }
        }
        return img;
    }

    static ImageRecord record(ImageEncoding enc, int w, int h, int c, byte[] bytes) {
        return ImageRecord.newBuilder().setId("r").setSource("t").setEventTime(Instant.EPOCH).setEncoding(enc)
                .setWidth(w).setHeight(h).setChannels(c).setBytes(ByteBuffer.wrap(bytes)).build();
    }

    @Test
    void pngRoundTripsExactlyInGrayAndRgb() throws Exception {
        for (int c : new int[] {1, 3}) {
            Image img = gradient(c, 28, 20);
            Image back = decoder.decode(ImageEncoder.png("r", "t", 0, img, null));
            assertThat(back.channels).isEqualTo(c);
            assertThat(back.height).isEqualTo(28);
            assertThat(back.width).isEqualTo(20);
            for (int i = 0; i < img.data.length; i++) {
                assertThat(back.data[i]).isCloseTo(img.data[i], within(1e-6f));
            }
        }
    }

    @Test
    void rawAndJpegDecode() throws Exception {
        byte[] raw = {0, (byte) 255, 10, 20, 30, 40};
        Image rgb = decoder.decode(record(ImageEncoding.RAW_U8, 2, 1, 3, raw));
        assertThat(rgb.get(0, 0, 0)).isEqualTo(0f);
        assertThat(rgb.get(1, 0, 0)).isEqualTo(1f);
        assertThat(rgb.get(2, 0, 1)).isCloseTo(40 / 255f, within(1e-6f));

        BufferedImage bi = new BufferedImage(16, 12, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(bi, "jpeg", jpeg);
        Image j = decoder.decode(record(ImageEncoding.JPEG, 16, 12, 1, jpeg.toByteArray()));
        assertThat(j.width).isEqualTo(16);
        assertThat(j.channels).isEqualTo(1);
    }

    @Test
    void badInputIsRefusedWithAReason() {
        byte[] png = ImageEncoder.pngBytes(gradient(1, 28, 28));
        assertThatThrownBy(() -> decoder.decode(record(ImageEncoding.PNG, 28, 28, 1, new byte[0])))
                .hasMessageContaining("empty");
        byte[] corrupt = Arrays.copyOf(png, png.length);
        for (int i = 40; i < corrupt.length; i++) {
            corrupt[i] = (byte) (i * 31);
        }
        assertThatThrownBy(() -> decoder.decode(record(ImageEncoding.PNG, 28, 28, 1, corrupt)))
                .hasMessageContaining("corrupt");
        assertThatThrownBy(() -> decoder.decode(record(ImageEncoding.PNG, 28, 28, 1, "garbage".getBytes())))
                .hasMessageContaining("corrupt");
        assertThatThrownBy(() -> decoder.decode(record(ImageEncoding.PNG, 28, 28, 2, png)))
                .hasMessageContaining("channel count 2");
        assertThatThrownBy(() -> decoder.decode(record(ImageEncoding.PNG, 100_000, 100_000, 1, png)))
                .hasMessageContaining("exceeds the limit");
        assertThatThrownBy(() -> decoder.decode(record(ImageEncoding.PNG, -1, 28, 1, png)))
                .hasMessageContaining("bad dimensions");
        assertThatThrownBy(() -> decoder.decode(record(ImageEncoding.PNG, 32, 32, 1, png)))
                .hasMessageContaining("header says 28x28");
        assertThatThrownBy(() -> decoder.decode(record(ImageEncoding.RAW_U8, 28, 28, 1, new byte[100])))
                .hasMessageContaining("needs 784 bytes");
        assertThatThrownBy(() -> new ImageDecoder(ImageLimits.DEFAULT.withMaxBytes(50))
                .decode(record(ImageEncoding.PNG, 28, 28, 1, png))).hasMessageContaining("bytes exceeds");
    }

    @Test
    void decompressionBombIsRefusedFromItsHeader() throws Exception {
        // a 20000 x 20000 black PNG compresses to a few hundred KB; it must be refused before decoding
        BufferedImage big = new BufferedImage(20_000, 20_000, BufferedImage.TYPE_BYTE_BINARY);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(big, "png", out);
        ImageDecoder strict = new ImageDecoder(ImageLimits.DEFAULT.withMaxPixels(4096L * 4096));
        // declared small, header large
        assertThatThrownBy(() -> strict.decode(record(ImageEncoding.PNG, 28, 28, 1, out.toByteArray())))
                .hasMessageContaining("header says 20000x20000");
        // declared honestly large
        assertThatThrownBy(() -> strict.decode(record(ImageEncoding.PNG, 20_000, 20_000, 1, out.toByteArray())))
                .hasMessageContaining("exceeds the limit");
    }
}
