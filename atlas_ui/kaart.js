// The atlas map: deck.gl in the page, fed by atlas_ui/maps.py (see its docstring).
//
// Two roles of one Streamlit component:
//   "geometrie": the areas of one map as flat arrays (Arrow) plus their fixed
//                properties. Sent once per data set: Streamlit's message cache
//                replaces an unchanged element by its hash on later reruns.
//                Stored here by id, rendered as nothing.
//   "kaart":     the map itself: per area a colour and texts, the selection,
//                the view. Small; redrawn without rebuilding the polygons.
//   "context":   what makes the map recognisable (atlas_ui/mapcontext.py): water,
//                gemeente borders and names from the CBS file; sent once, like
//                the geometry. The optional PDOK base map is a tile URL in "kaart".

const store = (window.__atlasKaart ??= { geometry: new Map(), waiting: new Map(), deck: null });
const KEEP_GEOMETRIES = 4;

function loadDeck(url) {
  if (!store.deck) {
    store.deck = new Promise((resolve, reject) => {
      if (window.deck) return resolve(window.deck);
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => resolve(window.deck);
      script.onerror = () => { store.deck = null; reject(new Error(`deck.gl not loaded from ${url}`)); };
      document.head.appendChild(script);
    });
  }
  return store.deck;
}

function column(table, name) {
  return table.getChild(name).toArray();
}

// GeoArrow-style offsets (as shapely.to_ragged_array gives them) → one object per
// polygon part, with flat positions and hole indices as deck.gl's PolygonLayer takes them.
function unpack(data) {
  const xy = column(data.xy, "xy");
  const rings = column(data.ringen, "start");
  const parts = column(data.delen, "start");
  const areas = column(data.gebieden, "start");
  const polygons = [];
  for (let f = 0; f < areas.length - 1; f++) {
    for (let p = areas[f]; p < areas[f + 1]; p++) {
      const first = parts[p], last = parts[p + 1], base = rings[first];
      const positions = xy.subarray(2 * base, 2 * rings[last]);
      const holes = [];
      for (let r = first + 1; r < last; r++) holes.push(2 * (rings[r] - base));
      polygons.push({ f, polygon: holes.length ? { positions, holeIndices: holes } : positions });
    }
  }
  const props = data.eigenschappen;
  const codes = column(props, "code");
  return { polygons, props, codes: Array.from(codes, String), index: new Map(Array.from(codes, (c, i) => [String(c), i])) };
}

function storeGeometry(data) {
  if (store.geometry.has(data.id)) return;
  store.geometry.set(data.id, unpack(data));
  while (store.geometry.size > KEEP_GEOMETRIES) store.geometry.delete(store.geometry.keys().next().value);
  for (const resolve of store.waiting.get(data.id) ?? []) resolve(store.geometry.get(data.id));
  store.waiting.delete(data.id);
}

function storeContext(data) {
  store.context ??= new Map();
  store.context.set(data.id, data);
  for (const resolve of store.waiting.get(`context:${data.id}`) ?? []) resolve(data);
  store.waiting.delete(`context:${data.id}`);
}

function context(id) {
  if (!id) return Promise.resolve(null);
  if (store.context?.has(id)) return Promise.resolve(store.context.get(id));
  return new Promise((resolve) => {
    store.waiting.set(`context:${id}`, [...(store.waiting.get(`context:${id}`) ?? []), resolve]);
  });
}

// Base map (below the areas), water (below), gemeente borders and names (above).
// Each name layer carries the zooms at which it is readable (see layerFilter).
function contextLayers(deck, ctx, tiles) {
  const below = [], above = [];
  if (tiles) {
    below.push(new deck.TileLayer({
      id: "achtergrond", data: tiles, minZoom: 6, maxZoom: 19, tileSize: 256,
      renderSubLayers: (props) => {
        const [[west, south], [east, north]] = props.tile.boundingBox;
        return new deck.BitmapLayer(props, { data: null, image: props.data, bounds: [west, south, east, north] });
      },
    }));
  }
  if (ctx?.water) {
    below.push(new deck.GeoJsonLayer({ id: "water", data: ctx.water, filled: true, stroked: false, getFillColor: ctx.waterkleur }));
  }
  if (ctx?.grenzen) {
    above.push(new deck.GeoJsonLayer({
      id: "gemeentegrenzen", data: ctx.grenzen, filled: false, stroked: true,
      getLineColor: [40, 40, 40, 230], lineWidthUnits: "pixels", getLineWidth: 2.2,
    }));
  }
  for (const names of ctx?.namen ?? []) {
    above.push(new deck.TextLayer({
      id: names.id, data: names.punten, getPosition: (d) => [d[0], d[1]], getText: (d) => d[2],
      getSize: names.grootte, fontWeight: names.vet ? 700 : 400, getColor: [0, 0, 0, 255],
      fontFamily: "DejaVu Sans, Source Sans Pro, sans-serif", characterSet: names.tekens,
      fontSettings: { sdf: true }, outlineWidth: 3, outlineColor: [255, 255, 255, 235],
    }));
  }
  const zooms = Object.fromEntries((ctx?.namen ?? []).map((n) => [n.id, [n.van, n.tot]]));
  return { below, above, zooms };
}

function geometry(id) {
  if (store.geometry.has(id)) return Promise.resolve(store.geometry.get(id));
  return new Promise((resolve) => {
    store.waiting.set(id, [...(store.waiting.get(id) ?? []), resolve]);
  });
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (text) => String(text ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);

// A field of one area: from the colouring's table first, else from the fixed properties.
function field(tables, name, f) {
  for (const table of tables) {
    const values = table && table.getChild(name);
    if (values) return values.get(f);
  }
  return "";
}

function layers(deck, geo, data) {
  const colours = data.kleuren;
  const [r, g, b, a] = ["r", "g", "b", "a"].map((name) => column(colours, name));
  const selected = new Set((data.selectie ?? []).map((code) => geo.index.get(code)).filter((i) => i !== undefined));
  const line = data.lijn;
  const out = [
    new deck.PolygonLayer({
      id: data.laag,
      data: geo.polygons,
      getPolygon: (d) => d.polygon,
      positionFormat: "XY",
      filled: true,
      stroked: true,
      getFillColor: (d) => [r[d.f], g[d.f], b[d.f], a[d.f]],
      getLineColor: line.kleur,
      lineWidthUnits: "pixels",
      getLineWidth: line.breedte,
      pickable: true,
      opacity: data.achtergrond ? 0.72 : 1, // the base map shows through
      autoHighlight: true,
      highlightColor: [255, 255, 255, 90],
      updateTriggers: { getFillColor: data.versie },
    }),
  ];
  if (selected.size) {
    out.push(new deck.PolygonLayer({
      id: "selectie",
      data: geo.polygons.filter((d) => selected.has(d.f)),
      getPolygon: (d) => d.polygon,
      positionFormat: "XY",
      filled: false,
      stroked: true,
      getLineColor: [0, 0, 0, 255],
      lineWidthUnits: "pixels",
      getLineWidth: 3,
    }));
  }
  return out;
}

// A click is a press and release within a few pixels, however long the page took between
// them. deck.gl's own onClick is a "tap" that must end within 250 ms as the page
// handles it: the first click on a fresh map, while the page was still busy (its
// first picking pass), was often not one, and was lost.
const CLICK_SLOP_PX = 5;

function listenForClicks(root) {
  let down = null;
  const at = (event) => {
    const box = root.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  };
  root.addEventListener("pointerdown", (event) => {
    down = event.isPrimary && event.button === 0 ? { id: event.pointerId, ...at(event) } : null;
  });
  root.addEventListener("pointerup", (event) => {
    const start = down;
    down = null;
    if (!start || start.id !== event.pointerId || !root.__deck || !root.__onPick) return;
    const { x, y } = at(event);
    if (Math.hypot(x - start.x, y - start.y) > CLICK_SLOP_PX) return; // a drag: panning
    root.__onPick(root.__deck.pickObject({ x, y, radius: 2 }));
  });
}

// A canvas with its drawing buffer already at the size it is shown. Left to itself,
// deck.gl draws its first frame at the canvas default (300 × 150) and resizes on the
// next: the map is then not on screen when the first frame says it is drawn, and
// the resize stalls the page (over a second in software WebGL).
function sizedCanvas(root) {
  const canvas = document.createElement("canvas");
  const ratio = window.devicePixelRatio || 1;
  canvas.style.width = "100%";
  canvas.style.height = "100%";
  canvas.width = Math.max(1, Math.round(root.clientWidth * ratio));
  canvas.height = Math.max(1, Math.round(root.clientHeight * ratio));
  root.appendChild(canvas);
  return canvas;
}

async function drawMap(root, data, setTriggerValue) {
  root.__latest = data;
  const deck = await loadDeck(data.deck_url);
  const geo = await geometry(data.geometrie);
  const ctx = await context(data.context);
  if (root.__latest !== data) return; // a newer rerun arrived meanwhile
  const tables = [data.kleuren, geo.props];
  const extra = contextLayers(deck, ctx, data.achtergrond);
  const props = {
    layers: [...extra.below, ...layers(deck, geo, data), ...extra.above],
    // names only at the zooms where they can be read
    layerFilter: ({ layer, viewport }) => {
      const range = extra.zooms[layer.id];
      return !range || (viewport.zoom >= range[0] && viewport.zoom < range[1]);
    },
    getTooltip: ({ object }) => object && {
      html: data.tooltip.replace(/\{(\w+)\}/g, (_, name) => escape(field(tables, name, object.f))),
      style: data.tooltip_stijl,
    },
    // data-geladen tells tests and benchmarks which colouring is on screen (and clickable)
    onAfterRender: () => {
      if (!root.__drawing) return;
      // No picking pass here: deck.gl builds its picking buffers on the first hover or
      // click (a second in software WebGL, milliseconds on a graphics card). Done here it
      // held up the first map; done when idle it froze the page just after (both
      // measured in benchmarks/bench_app.py). A click that waits for it still counts:
      // clicks are press + release, not a timed tap.
      root.dataset.geladen = root.__drawing;
      root.__drawing = null;
    },
  };
  root.__onPick = (info) => setTriggerValue("klik", info && info.object ? geo.codes[info.object.f] : null);
  const view = JSON.stringify(data.view);
  root.__drawing = `${data.versie}-${data.selectie.join(",")}`;
  if (!root.__deck) {
    root.__deck = new deck.Deck({
      canvas: sizedCanvas(root), width: "100%", height: "100%", controller: true,
      initialViewState: data.view, ...props,
    });
    listenForClicks(root);
  } else {
    root.__deck.setProps(props);
    if (root.__view !== view) root.__deck.setProps({ initialViewState: data.view });
  }
  root.__view = view;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (data.rol === "geometrie") {
    storeGeometry(data);
    return undefined;
  }
  if (data.rol === "context") {
    storeContext(data);
    return undefined;
  }
  let root = parentElement.querySelector(".atlas-kaart");
  if (!root) {
    root = document.createElement("div");
    root.className = "atlas-kaart";
    root.setAttribute("role", "img");
    root.style.position = "relative";
    root.style.width = "100%";
    parentElement.appendChild(root);
  }
  root.style.height = `${data.hoogte}px`;
  root.setAttribute("aria-label", data.beschrijving);
  drawMap(root, data, setTriggerValue).catch((error) => {
    root.textContent = `De kaart kon niet worden getekend: ${error.message}`;
  });
  return () => {
    // Streamlit also calls this for a render that a newer one overtook: keep the
    // map then, and let it go only when the element has left the page
    if (root.isConnected || !root.__deck) return;
    root.__deck.finalize();
    root.__deck = null;
  };
}
