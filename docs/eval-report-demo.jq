# Edits gold-as-predictions (extractor gold-to-predictions seeds) into a demo with visible errors.
if .article_id == "101_kenya_geothermal_expansion" then
  .events |= (
    .[0].date = "2024-06-13"
    | .[0].evidence = "signed a $112 million engineering, procurement and construction contract with Japan's Hokuriku Plant Engineering at a ceremony in Nairobi on Wednesday for a 60 MW geothermal plant at Menengai in Nakuru County, the state-controlled utility said"
    | .[4].unit = "GW"
    | del(.[5])
    | . + [{"type": "investment", "evidence": "is 70% owned by the Kenyan government",
            "status": "occurred", "participants": [{"name": "Kenyan government", "kind": "country"}],
            "investor": "Kenyan government", "target": "KenGen"}]
  )
elif .article_id == "106_rajasthan_solar_park" then .events |= del(.[3])
elif .article_id == "109_peru_copper_blockade" then .events[1].date = "2024-03"
else . end
