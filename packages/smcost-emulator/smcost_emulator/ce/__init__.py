"""Cost Explorer: the Savings Plans purchase recommendation moto lacks (`models`, what is
answered; `responses`, the call), beside moto's other Cost Explorer actions."""
