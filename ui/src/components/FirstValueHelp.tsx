/** How to send a feed's first value, with ready-to-paste curl and mosquitto_pub lines. */
import { Link } from "react-router-dom";
import { useAuth } from "../auth";
import { curlFirstValue, mosquittoFirstValue, targetFromWindow } from "../lib/snippets";
import { Snippet } from "./Snippet";

export function FirstValueHelp({ feed }: { feed?: string }) {
  const { session, config } = useAuth();
  if (!session) return null;
  const target = targetFromWindow(
    session.user.username,
    session.aio_key ?? "YOUR_AIO_KEY",
    feed,
    config?.mqtt_port,
  );
  return (
    <div className="first-steps">
      <p>
        Send a first value from any computer: the feed is created when the first value arrives.
        Your AIO key is on the <Link to="/settings">settings page</Link>.
      </p>
      <Snippet label="curl (HTTP)" code={curlFirstValue(target)} />
      <Snippet label="MQTT (mosquitto_pub)" code={mosquittoFirstValue(target)} />
    </div>
  );
}
