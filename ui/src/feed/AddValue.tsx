/** The form that stores a value (with an optional location) in a feed. */
import { useState } from "react";
import type { FormEvent } from "react";
import type { Aio } from "../api/aio";
import type { Datum, Feed } from "../api/types";
import { FormError } from "../components/States";

export function AddValue({ aio, feed, onAdded }: { aio: Aio; feed: Feed; onAdded: (d: Datum) => void }) {
  const [value, setValue] = useState("");
  const [lat, setLat] = useState("");
  const [lon, setLon] = useState("");
  const [withLocation, setWithLocation] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (value === "") {
      setError("Type a value first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const location =
        withLocation && lat !== "" && lon !== "" ? { lat: Number(lat), lon: Number(lon) } : undefined;
      const datum = await aio.addData(feed.key, value, location);
      setValue("");
      onAdded(datum);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card section">
      <h2>Add a value</h2>
      <form className="inline-form" onSubmit={submit}>
        <div style={{ flex: 1 }}>
          <label htmlFor="data-add-value">Value</label>
          <input
            id="data-add-value"
            data-testid="data-add-value"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            placeholder="42"
          />
        </div>
        {withLocation && (
          <>
            <div>
              <label htmlFor="data-add-lat">Latitude</label>
              <input id="data-add-lat" data-testid="data-add-lat" inputMode="decimal" size={9} value={lat} onChange={(e) => setLat(e.target.value)} />
            </div>
            <div>
              <label htmlFor="data-add-lon">Longitude</label>
              <input id="data-add-lon" data-testid="data-add-lon" inputMode="decimal" size={9} value={lon} onChange={(e) => setLon(e.target.value)} />
            </div>
          </>
        )}
        <button className="btn btn-primary" data-testid="data-add-submit" disabled={busy}>
          Add
        </button>
      </form>
      <label className="check small" style={{ marginTop: "0.4rem" }}>
        <input type="checkbox" checked={withLocation} onChange={(e) => setWithLocation(e.target.checked)} />
        With a location
      </label>
      <FormError error={error} />
    </section>
  );
}
