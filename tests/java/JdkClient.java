import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * The stock JDK HttpClient, as every Java SPARQL client uses it (HTTP/2 preferred, so each request on an
 * http:// URL carries an h2c upgrade offer), for tests/web/test_h2c.py.
 * Usage: JdkClient GET|POST-form|POST-direct ENDPOINT QUERY ACCEPT...; one keep-alive client for all requests;
 * prints, per ACCEPT, a line "=== STATUS VERSION CONTENT-TYPE" and then the body.
 */
public class JdkClient {
    public static void main(String[] args) throws Exception {
        String method = args[0], endpoint = args[1], query = args[2];
        String encoded = URLEncoder.encode(query, StandardCharsets.UTF_8);
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 3; i < args.length; i++) {
            HttpRequest.Builder request;
            if (method.equals("GET")) {
                request = HttpRequest.newBuilder(URI.create(endpoint + "?query=" + encoded)).GET();
            } else if (method.equals("POST-form")) {
                request = HttpRequest.newBuilder(URI.create(endpoint))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("query=" + encoded));
            } else {
                request = HttpRequest.newBuilder(URI.create(endpoint))
                    .header("Content-Type", "application/sparql-query")
                    .POST(HttpRequest.BodyPublishers.ofString(query));
            }
            HttpResponse<String> response = client.send(request.header("Accept", args[i]).build(),
                                                        HttpResponse.BodyHandlers.ofString());
            System.out.println("=== " + response.statusCode() + " " + response.version() + " "
                               + response.headers().firstValue("content-type").orElse(""));
            System.out.print(response.body());
            if (!response.body().endsWith("\n")) System.out.println();
        }
    }
}
