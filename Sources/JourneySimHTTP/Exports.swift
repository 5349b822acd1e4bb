import JourneySim
