global using MiniCrm.VendorSim.Deliveries;
global using MiniCrm.VendorSim.Extensions;
