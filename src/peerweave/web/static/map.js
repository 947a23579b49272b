/* The network map: draws the map the server laid out (JSON in #map-data) with sigma.js and
 * graphology (vendored, globals `Sigma` and `graphology`), finds a person or group by label,
 * highlights a node and its neighbours, shows a person's card (GET /api/people/{ref}) and
 * drills into a group. No build step; text from the data is set with textContent only. */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("map-data").textContent);
  const container = document.getElementById("map");
  const card = document.getElementById("map-card");
  const cardBody = card.querySelector(".map-card-body");
  const status = document.getElementById("map-status");
  const groups = data.level === "groups";
  const FADED = "#e6e8ee";

  function say(text) {
    status.textContent = text;
  }

  if (typeof graphology === "undefined" || typeof Sigma === "undefined") {
    say("the map's scripts did not load: reload the page");
    return;
  }

  const graph = new graphology.Graph({ type: "undirected", multi: false, allowSelfLoops: false });
  for (const n of data.nodes) {
    graph.addNode(n.id, { x: n.x, y: n.y, size: n.size, color: n.color, label: n.label, key: n.color_key });
  }
  let heaviest = 1;
  for (const e of data.edges) heaviest = Math.max(heaviest, e[2]);
  for (const [source, target, weight] of data.edges) {
    if (source === target || graph.hasEdge(source, target)) continue;
    const size = groups ? 0.5 + 6 * Math.sqrt(weight / heaviest) : 0.4;
    graph.addEdge(source, target, { size: size, color: groups ? "#c5cad6" : "#d9dce4" });
  }

  let renderer;
  try {
    renderer = new Sigma(graph, container, {
      zIndex: true,
      labelRenderedSizeThreshold: groups ? 0 : 10,
      labelDensity: groups ? 1 : 0.4,
      labelFont: "system-ui, sans-serif",
      defaultEdgeColor: "#d9dce4",
      minCameraRatio: 0.02,
      maxCameraRatio: 4,
    });
  } catch (error) {
    say("this browser cannot draw the map (it needs WebGL): " + error.message);
    return;
  }

  const state = { selected: null, neighbours: new Set(), key: null };

  renderer.setSetting("nodeReducer", function (node, attrs) {
    const out = Object.assign({}, attrs);
    if (state.selected !== null) {
      if (node === state.selected) {
        out.highlighted = true;
        out.zIndex = 2;
      } else if (state.neighbours.has(node)) {
        out.zIndex = 1;
      } else {
        out.color = FADED;
        out.label = "";
        out.zIndex = 0;
      }
    } else if (state.key !== null && attrs.key !== state.key) {
      out.color = FADED;
      out.label = "";
    }
    return out;
  });
  renderer.setSetting("edgeReducer", function (edge, attrs) {
    if (state.selected === null) return attrs;
    const out = Object.assign({}, attrs);
    if (graph.hasExtremity(edge, state.selected)) {
      out.color = "#7d8699";
      out.zIndex = 1;
    } else {
      out.hidden = true;
    }
    return out;
  });

  function select(node) {
    state.selected = node;
    state.neighbours = node === null ? new Set() : new Set(graph.neighbors(node));
    renderer.refresh();
  }

  function centre(node) {
    const at = renderer.getNodeDisplayData(node);
    if (at) renderer.getCamera().animate({ x: at.x, y: at.y, ratio: groups ? 0.6 : 0.3 }, { duration: 500 });
  }

  function drill(group) {
    const query = new URLSearchParams({ color: data.color, size: data.size, by: data.by, group: group });
    window.location.assign("/map?" + query.toString());
  }

  // -- the card --------------------------------------------------------------------------

  function element(tag, text, className) {
    const made = document.createElement(tag);
    if (text !== undefined && text !== null) made.textContent = String(text);
    if (className) made.className = className;
    return made;
  }

  function number(value) {
    if (typeof value !== "number") return "–";
    return Math.abs(value) >= 100 || Number.isInteger(value) ? value.toLocaleString("en") : value.toPrecision(3);
  }

  function fillCard(ref, person) {
    cardBody.replaceChildren();
    cardBody.appendChild(element("h3", person.person.label));
    if (person.person.department) cardBody.appendChild(element("p", person.person.department, "note"));
    const roles = element("p");
    if (person.roles.length) {
      for (const role of person.roles) {
        roles.appendChild(element("span", role.replace(/_/g, " "), "tag"));
        roles.appendChild(document.createTextNode(" "));
      }
    } else {
      roles.appendChild(element("span", "no particular role", "note"));
    }
    cardBody.appendChild(roles);
    if (person.figures.length) {
      const table = element("table");
      const head = element("tr");
      for (const title of ["figure", "value", "percentile"]) head.appendChild(element("th", title));
      table.appendChild(element("thead")).appendChild(head);
      const body = element("tbody");
      for (const f of person.figures) {
        const row = element("tr");
        row.appendChild(element("td", f.label));
        row.appendChild(element("td", number(f.value)));
        row.appendChild(element("td", Math.floor(100 * f.percentile), "note"));
        body.appendChild(row);
      }
      table.appendChild(body);
      cardBody.appendChild(table);
    }
    const link = element("a", "Open the person page");
    link.href = "/person/" + encodeURIComponent(ref);
    cardBody.appendChild(link);
  }

  function showCard(ref) {
    card.hidden = false;
    cardBody.replaceChildren(element("p", "loading…", "note"));
    fetch("/api/people/" + encodeURIComponent(ref), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        return answer.json().then(function (body) {
          if (!answer.ok) throw new Error(body.detail || "error " + answer.status);
          return body;
        });
      })
      .then(function (person) {
        if (state.selected === ref) fillCard(ref, person);
      })
      .catch(function (error) {
        cardBody.replaceChildren(element("p", "could not load this person: " + error.message, "error"));
      });
  }

  card.querySelector(".map-card-close").addEventListener("click", function () {
    card.hidden = true;
    select(null);
  });

  // -- clicks and search -------------------------------------------------------------------

  renderer.on("clickNode", function (event) {
    if (groups) {
      drill(event.node);
      return;
    }
    select(event.node);
    showCard(event.node);
  });
  renderer.on("clickStage", function () {
    select(null);
    card.hidden = true;
  });
  renderer.on("enterNode", function () {
    container.style.cursor = "pointer";
  });
  renderer.on("leaveNode", function () {
    container.style.cursor = "";
  });

  const labels = document.getElementById("map-labels");
  const byLabel = new Map();
  graph.forEachNode(function (node, attrs) {
    byLabel.set(attrs.label.toLowerCase(), node);
    if (data.nodes.length <= 6000) labels.appendChild(new Option(attrs.label));
  });

  function find(text) {
    const wanted = text.trim().toLowerCase();
    if (!wanted) return null;
    if (byLabel.has(wanted)) return byLabel.get(wanted);
    if (graph.hasNode(text.trim())) return text.trim();
    for (const [label, node] of byLabel) if (label.includes(wanted)) return node;
    return null;
  }

  document.getElementById("map-search").addEventListener("submit", function (event) {
    event.preventDefault();
    const query = document.getElementById("map-query").value;
    const node = find(query);
    if (node === null) {
      say("nobody on this map matches " + JSON.stringify(query.trim()));
      return;
    }
    say("");
    select(node);
    centre(node);
    if (!groups) card.hidden = true;
  });

  // -- the legend: a click shows one colour only ---------------------------------------------

  document.querySelectorAll(".map-legend li").forEach(function (item, i) {
    const key = data.legend[i] ? data.legend[i].key : null;
    item.tabIndex = 0;
    item.title = "show only these";
    item.addEventListener("click", function () {
      state.key = state.key === key ? null : key;
      document.querySelectorAll(".map-legend li").forEach(function (other) {
        other.classList.toggle("faded", state.key !== null && other !== item);
      });
      renderer.refresh();
    });
  });

  container.dataset.ready = "true";
  window.peerweaveMap = { graph: graph, renderer: renderer, select: select, centre: centre };
})();
