//! What re-importing a reformed administrative tree does to broadcast windows.
//!
//! Windows are usually set high in the tree (the province, a district) and inherited.
//! A unit the new list moves under a parent that sets none would leave its stations
//! with no window at all, airing nothing from the next recompile on. Such a unit keeps,
//! written on itself, the windows it inherited before the move, so every station airs
//! when it did until an officer decides otherwise. The tree after the move is also
//! checked as a whole: windows that no longer narrow their new parent's are refused.
//! Pure: the store reads the schedule and writes what this decides.

use std::collections::HashMap;

use super::{AreaCode, AreaId, AreaTree, Inputs, InputsError, Station, StationCode, Windows};

/// Windows a moved unit keeps because its new parents set none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedWindows {
    /// The moved unit, which gets them written on itself.
    pub area: AreaCode,
    /// Its name, as the new list gives it.
    pub area_name: String,
    /// The unit above it, before the move, they were set on.
    pub from: AreaCode,
    /// The windows.
    pub windows: Windows,
    /// The stations that would otherwise have had no window, by code.
    pub stations: Vec<StationCode>,
}

/// The windows every unit moved by `tree` must keep so that no station of `inputs` (the
/// stored schedule) loses all its windows, by unit code. `tree` holds
/// every stored unit (retired ones too) and those of the file. An error lists what would
/// make the schedule inconsistent after the move (a unit's or station's windows reaching
/// outside those of its new parents).
pub fn carry_windows(
    inputs: &Inputs,
    tree: &AreaTree,
) -> Result<Vec<CarriedWindows>, Vec<InputsError>> {
    let old = inputs.tree();
    let to_new = |id: AreaId| tree.get(&old.area(id).code);
    let mut windows: HashMap<AreaId, Windows> = inputs
        .area_windows()
        .filter_map(|(a, w)| Some((to_new(a)?, w.clone())))
        .collect();
    let inherited = |windows: &HashMap<AreaId, Windows>, id: AreaId| {
        tree.ancestors(id).find(|a| windows.contains_key(a))
    };
    // Parents first, so a unit that keeps windows covers the moved units below it.
    let mut carried: Vec<(AreaId, AreaId)> = Vec::new();
    for id in tree.ids() {
        let area = tree.area(id);
        let Some(before) = old.get(&area.code) else {
            continue;
        };
        if old.area(before).parent == area.parent || windows.contains_key(&id) {
            continue;
        }
        let Some(source) = old
            .ancestors(before)
            .find(|a| inputs.area_windows_of(*a).is_some())
        else {
            continue;
        };
        if inherited(&windows, id).is_none()
            && let Some(w) = inputs.area_windows_of(source)
        {
            windows.insert(id, w.clone());
            carried.push((id, source));
        }
    }

    let mut stations: Vec<Station> = Vec::with_capacity(inputs.stations().len());
    let mut kept_for: HashMap<AreaId, Vec<StationCode>> = HashMap::new();
    for st in inputs.stations() {
        let Some(area) = to_new(st.area) else {
            continue;
        };
        if st.windows.is_none()
            && let Some(source) = inherited(&windows, area)
            && carried.iter().any(|(a, _)| *a == source)
        {
            kept_for.entry(source).or_default().push(st.code.clone());
        }
        stations.push(Station { area, ..st.clone() });
    }
    // A unit with no station that needs them keeps nothing: its stations have their own.
    carried.retain(|(id, _)| kept_for.contains_key(id));
    let mut kept: Vec<CarriedWindows> = carried
        .iter()
        .filter_map(|&(id, source)| {
            Some(CarriedWindows {
                area: tree.area(id).code.clone(),
                area_name: tree.area(id).name.clone(),
                from: old.area(source).code.clone(),
                windows: windows.get(&id)?.clone(),
                stations: kept_for.remove(&id).unwrap_or_default(),
            })
        })
        .collect();
    kept.sort_by(|a, b| a.area.as_str().cmp(b.area.as_str()));
    windows.retain(|id, _| {
        carried.iter().any(|(a, _)| a == id)
            || old
                .get(&tree.area(*id).code)
                .is_some_and(|a| inputs.area_windows_of(a).is_some())
    });
    Inputs::new_allowing_windowless(tree.clone(), windows, stations, Vec::new(), Vec::new())
        .map(|_| kept)
}
